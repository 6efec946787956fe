"""The audit page for admins: who saw or changed what, filtered, and exported as CSV (the export
is itself audited)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ncc.safety import safe_csv_writer

from .models import AuditEvent
from .queries import audit_events
from .services import record

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    patient = forms.CharField(required=False, max_length=40, label="Patient number",
                              widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    user = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("email"),
                                  required=False, label="Staff member")
    action = forms.ChoiceField(choices=[("", "Any")] + AuditEvent.Action.choices, required=False)
    date_from = forms.DateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean_patient(self):
        from patients.models import Patient

        value = self.cleaned_data["patient"].strip().lstrip("#")
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and len(value) < 10):
            raise forms.ValidationError("Enter the patient's number, e.g. 10023.")
        patient = Patient.objects.filter(number=int(value)).first()
        if patient is None:
            raise forms.ValidationError(f"No patient has number {value}.")
        return patient


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_page(request):
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    tz = request.clinic.tz if getattr(request, "clinic", None) else None
    events = audit_events(tz=tz, **filters)
    if request.GET.get("export") == "csv":
        return _csv(request, events, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {"form": form, "page": page,
                                               "query": query.urlencode()})


def _csv(request, events, filters):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.csv"')
    writer = safe_csv_writer(response)
    writer.writerow(["when (UTC)", "who", "action", "record type", "record id", "summary"])
    count = 0
    for e in events.iterator(chunk_size=2000):
        count += 1
        writer.writerow([e.created_at.isoformat(timespec="seconds"),
                         e.actor.email if e.actor else "", e.action, e.object_type, e.object_id,
                         e.summary])
    described = ", ".join(f"{k}={v}" for k, v in sorted(filters.items())) or "no filter"
    record(request.user, AuditEvent.Action.EXPORT, request.user,
           f"Exported {count} audit events to CSV ({described})")
    return response
