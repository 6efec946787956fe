"""Pages for importing patients from CSV and exporting the list to CSV."""


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.safety import int_or_none, safe_csv_writer

from .importer import ImportAlreadyDone, ImportFileError, import_checked_file, preview_import
from .models import Patient, PatientImport
from .permissions import scope_patients
from .queries import search_patients

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Exported from Cliniko, Nookal, Halaxy or a "
                           "spreadsheet: one patient per row with a header row.")
    home_clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True),
                                         label="Home clinic for these patients")
    skip_duplicates = forms.BooleanField(
        required=False, initial=True,
        label="Skip rows with the same name and date of birth as a patient on file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split it and import "
                                        "the parts one after another.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file (in Excel: Save As, CSV UTF-8).")
        return upload


@permission_required("patients.import_patients", raise_exception=True)
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None,
                            initial={"home_clinic": request.clinic})
    if request.method == "POST" and form.is_valid():
        content = form.cleaned_data["file"].read()
        try:
            preview_import(content)
        except ImportFileError as exc:
            form.add_error("file", exc.messages)
        else:
            job = PatientImport.objects.create(
                file_name=form.cleaned_data["file"].name[:200], content=content,
                home_clinic=form.cleaned_data["home_clinic"],
                skip_duplicates=form.cleaned_data["skip_duplicates"], created_by=request.user)
            return redirect("patients:import_detail", job.pk)
    recent = PatientImport.objects.select_related("home_clinic", "created_by")[:10]
    return render(request, "patients/import.html", {"form": form, "recent": recent})


@permission_required("patients.import_patients", raise_exception=True)
def import_detail(request, pk):
    job = get_object_or_404(PatientImport, pk=pk)
    context = {"job": job}
    if job.status == PatientImport.Status.PREVIEWED:
        preview = preview_import(bytes(job.content))
        context.update(preview=preview, shown_invalid=preview.invalid[:PREVIEW_ROWS],
                       sample=preview.valid[:10],
                       to_create=len(preview.valid) - (len(preview.duplicates)
                                                       if job.skip_duplicates else 0))
    return render(request, "patients/import_detail.html", context)


@require_POST
@permission_required("patients.import_patients", raise_exception=True)
def import_run(request, pk):
    try:
        job = import_checked_file(pk, actor=request.user)
    except ImportAlreadyDone:
        raise Http404("This file was imported already.") from None
    messages.success(request, f"Imported {job.created} patients into "
                              f"{job.home_clinic.short_name}; {len(job.skipped)} rows skipped.")
    return redirect("patients:import_detail", job.pk)


@permission_required("patients.import_patients", raise_exception=True)
def import_skipped_csv(request, pk):
    job = get_object_or_404(PatientImport, pk=pk)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="skipped-{job.pk}.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(["line", "reason"])
    for row in job.skipped:
        writer.writerow([row["line"], row["reason"]])
    return response


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = ["number", "first_name", "last_name", "preferred_name", "date_of_birth", "sex",
                  "email", "mobile", "address_line", "suburb", "state", "postcode",
                  "home_clinic__short_name", "sms_consent", "archived", "created_at"]


@permission_required("patients.export_patients", raise_exception=True)
def export_csv(request):
    """The patients list as CSV, with the list's search and filters; streamed, so 100,000 rows
    do not sit in memory."""
    qs = scope_patients(Patient.objects.all(), request.user)
    if request.GET.get("clinic"):
        qs = qs.filter(home_clinic_id=int_or_none(request.GET["clinic"]))
    archived = request.GET.get("archived", "")
    if archived == "yes":
        qs = qs.filter(archived=True)
    elif archived != "all":
        qs = qs.filter(archived=False)
    q = request.GET.get("q", "").strip()
    qs = search_patients(q, qs) if q else qs.order_by("last_name", "first_name", "number")
    record(request.user, AuditEvent.Action.EXPORT, request.user,
           f"Exported patients to CSV (search “{q}”)" if q else "Exported patients to CSV")
    writer = safe_csv_writer(_Echo())
    rows = qs.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000)

    def stream():
        yield writer.writerow([c.replace("home_clinic__short_name", "home_clinic")
                               for c in EXPORT_COLUMNS])
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="patients-{timezone.localdate():%Y%m%d}.csv"')
    return response
