from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.safety import int_or_none, safe_csv_writer
from patients.models import Patient

from . import services
from .forms import (
    ClinicSMSSettingsForm,
    MessageFilterForm,
    ReminderRuleForm,
    SendForm,
    SMSTemplateForm,
)
from .models import ClinicSMSSettings, ReminderRule, SMSMessage, SMSStatus, SMSTemplate

PAGE_SIZE = 50
PENDING = (SMSStatus.QUEUED, SMSStatus.SENDING, SMSStatus.SENT)


def _template_choices(patient, appointment):
    return [{"pk": t.pk, "name": t.name,
             "body": services.render(t.body, patient=patient, appointment=appointment,
                                     clinic=appointment.clinic if appointment
                                     else patient.home_clinic)}
            for t in SMSTemplate.objects.filter(active=True)]


def _next_appointment(patient):
    return (patient.appointments.filter(starts_at__gt=timezone.now())
            .exclude(status="cancelled").select_related("clinic", "clinician__user",
                                                        "appointment_type")
            .order_by("starts_at").first())


def _thread(patient):
    return list(SMSMessage.objects.filter(patient=patient)
                .select_related("created_by", "appointment").order_by("-created_at")[:100])


def _send_context(request, patient, form=None):
    appointment = _next_appointment(patient)
    clinic = appointment.clinic if appointment else (request.clinic or patient.home_clinic)
    sms_settings = services.settings_for(clinic)
    return {"patient": patient, "send_form": form or SendForm(),
            "templates": _template_choices(patient, appointment),
            "refusal": services.refusal_reason(patient), "segment_limit":
            sms_settings.segment_limit, "sms_clinic": clinic}


@permission_required("messaging.view_smsmessage", raise_exception=True)
def conversation(request, patient_pk):
    patient = get_object_or_404(Patient.objects.select_related("home_clinic"), pk=patient_pk)
    if not request.htmx:
        record(request.user, AuditEvent.Action.VIEW, patient,
               f"Viewed SMS with {patient.full_name}")
    thread = _thread(patient)
    # Reading the conversation reads its plain replies; an N that asks for a call stays in the
    # inbox until someone marks it done.
    SMSMessage.objects.filter(patient=patient, direction=SMSMessage.Direction.INBOUND,
                              read=False, action="").update(read=True)
    if request.htmx and request.GET.get("part") == "thread":
        return render(request, "messaging/_thread.html",
                      {"thread": thread, "patient": patient,
                       "pending": any(m.status in PENDING for m in thread)})
    context = _send_context(request, patient)
    context.update(thread=thread, pending=any(m.status in PENDING for m in thread))
    return render(request, "messaging/conversation.html", context)


@require_POST
@permission_required("messaging.add_smsmessage", raise_exception=True)
def send(request, patient_pk):
    patient = get_object_or_404(Patient.objects.select_related("home_clinic"), pk=patient_pk)
    form = SendForm(request.POST)
    back = request.POST.get("next") or reverse("messaging:conversation", args=[patient.pk])
    if not back.startswith("/"):
        back = reverse("messaging:conversation", args=[patient.pk])
    if form.is_valid():
        context = _send_context(request, patient, form)
        try:
            services.send_sms(patient=patient, body=form.cleaned_data["body"], actor=request.user,
                              clinic=context["sms_clinic"])
        except services.SMSError as exc:
            form.add_error("body" if exc.field == "body" else None, exc.message)
        else:
            messages.success(request, f"SMS to {patient.full_name} is on its way.")
            return redirect(back)
    context = _send_context(request, patient, form)
    context.update(thread=_thread(patient), pending=False)
    return render(request, "messaging/conversation.html", context, status=400)


def _back(request, message):
    nxt = str(request.POST.get("next") or request.GET.get("next") or "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return nxt
    if message.patient_id:
        return reverse("messaging:conversation", args=[message.patient_id])
    return reverse("messaging:list")


@require_http_methods(["GET", "POST"])
@permission_required("messaging.add_smsmessage", raise_exception=True)
def resend(request, pk):
    """GET asks first (the patient may get the message twice); POST sends it again."""
    message = get_object_or_404(SMSMessage.objects.select_related("patient", "clinic"), pk=pk)
    if request.method == "GET":
        return render(request, "messaging/resend_confirm.html",
                      {"message": message, "back": _back(request, message)})
    return _settle(request, message, services.resend,
                   "Sent again. The first attempt stays in the list.")


@require_POST
@permission_required("messaging.change_smsmessage", raise_exception=True)
def mark_delivered(request, pk):
    return _settle(request, get_object_or_404(SMSMessage, pk=pk), services.mark_delivered,
                   "Marked as delivered. It will not be sent again.")


def _settle(request, message, action, success: str):
    """Run a person's decision on a message (a service), say how it went, go back."""
    try:
        action(message, actor=request.user)
    except services.SMSError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(_back(request, message))


@permission_required("messaging.view_smsmessage", raise_exception=True)
def inbox(request):
    show = request.GET.get("show", "unread")
    qs = (SMSMessage.objects.filter(direction=SMSMessage.Direction.INBOUND)
          .select_related("patient", "appointment", "clinic").order_by("-created_at"))
    if show == "unread":
        qs = qs.filter(read=False)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = SMSMessage.objects.filter(direction=SMSMessage.Direction.INBOUND).aggregate(
        unread=Count("pk", filter=Q(read=False)), total=Count("pk"))
    return render(request, "messaging/inbox.html",
                  {"page": page, "show": show, "counts": counts})


@require_POST
@permission_required("messaging.change_smsmessage", raise_exception=True)
def mark_read(request, pk):
    read = request.POST.get("read", "1") == "1"
    services.mark_read([pk], read)
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/")
                    else reverse("messaging:inbox"))


@permission_required("messaging.view_smsmessage", raise_exception=True)
def message_list(request):
    form = MessageFilterForm(request.GET or None)
    qs = SMSMessage.objects.select_related("patient", "clinic").order_by("-created_at")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["direction"]:
            qs = qs.filter(direction=data["direction"])
        if data["clinic"]:
            qs = qs.filter(clinic=data["clinic"])
        tz = (data["clinic"] or request.clinic).tz if (data["clinic"] or request.clinic) \
            else timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["date_from"], time(), tzinfo=tz))
        if data["date_to"]:
            qs = qs.filter(created_at__lt=datetime.combine(data["date_to"] + timedelta(days=1),
                                                           time(), tzinfo=tz))
    if request.GET.get("export") == "csv":
        record(request.user, AuditEvent.Action.EXPORT, request.user,
               f"Exported SMS messages ({request.GET.urlencode()})")
        return _csv(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    summary = dict(SMSMessage.objects.filter(status__in=[SMSStatus.UNKNOWN, SMSStatus.FAILED])
                   .values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return render(request, "messaging/list.html",
                  {"form": form, "page": page, "query": query.urlencode(), "summary": summary})


def _csv(qs):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sms-messages.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(["created (UTC)", "direction", "kind", "patient number", "patient", "clinic",
                     "mobile", "status", "parts", "sent (UTC)", "delivered (UTC)", "error",
                     "message"])
    for m in qs.iterator(chunk_size=1000):
        writer.writerow([
            m.created_at.isoformat(timespec="seconds"), m.direction, m.kind,
            m.patient.number if m.patient else "", m.patient.full_name if m.patient else "",
            m.clinic.short_name if m.clinic else "", m.number, m.status, m.segments,
            m.sent_at.isoformat(timespec="seconds") if m.sent_at else "",
            m.delivered_at.isoformat(timespec="seconds") if m.delivered_at else "",
            m.error, m.body])
    return response


def _admin_only(request):
    if not request.user.is_admin:
        raise PermissionDenied


def _settings_clinic(request):
    clinic_id = request.GET.get("clinic") or request.POST.get("clinic")
    if clinic_id:
        return get_object_or_404(Clinic, pk=int_or_none(clinic_id))
    return request.clinic or Clinic.objects.filter(active=True).first()


def sms_settings(request):
    _admin_only(request)
    clinic = _settings_clinic(request)
    instance = ClinicSMSSettings.objects.filter(clinic=clinic).first() or ClinicSMSSettings(
        clinic=clinic)
    form = ClinicSMSSettingsForm(request.POST if request.POST.get("form") == "settings" else None,
                                 instance=instance)
    rule_form = ReminderRuleForm(request.POST if request.POST.get("form") == "rule" else None,
                                 initial={"template": services.default_template()})
    editing = None
    template_pk = request.POST.get("template_pk") or request.GET.get("template")
    if template_pk:
        editing = get_object_or_404(SMSTemplate, pk=int_or_none(template_pk))
    template_form = SMSTemplateForm(
        request.POST if request.POST.get("form") == "template" else None, instance=editing)
    if request.method == "POST":
        target = f"{reverse('messaging:settings')}?clinic={clinic.pk}"
        if request.POST.get("form") == "settings" and form.is_valid():
            form.save()
            messages.success(request, f"Saved SMS settings for {clinic.short_name}.")
            return redirect(target)
        if request.POST.get("form") == "rule" and rule_form.is_valid():
            rule = rule_form.save(commit=False)
            rule.clinic = clinic
            rule.save()
            rule_form.save_m2m()
            messages.success(request, f"Added the reminder {rule.describe()}.")
            return redirect(target)
        if request.POST.get("form") == "template" and template_form.is_valid():
            template_form.save()
            messages.success(request, "Saved the template.")
            return redirect(target)
        if request.POST.get("form") == "toggle_rule":
            rule = get_object_or_404(ReminderRule, pk=request.POST.get("rule"), clinic=clinic)
            rule.active = not rule.active
            rule.save(update_fields=["active"])
            messages.success(request, f"Reminder {rule.describe()} is "
                                      f"{'on' if rule.active else 'off'}.")
            return redirect(target)
    balance = services.account_balance(fresh=request.GET.get("refresh") == "balance")
    low = balance.credits is not None and balance.credits < instance.low_balance_warning
    token = settings.SMS_CALLBACK_TOKEN
    site = settings.SITE_URL.rstrip("/")
    return render(request, "messaging/settings.html", {
        "clinic": clinic, "clinics": Clinic.objects.filter(active=True), "form": form,
        "rule_form": rule_form, "template_form": template_form,
        "rules": ReminderRule.objects.filter(clinic=clinic).select_related("template")
        .prefetch_related("excluded_types"),
        "templates": SMSTemplate.objects.all(), "balance": balance, "low_balance": low,
        "editing": editing,
        "provider": settings.SMS_PROVIDER, "settings_obj": instance,
        "receipt_url": f"{site}{reverse('messaging:receipt_callback', args=[token])}",
        "inbound_url": f"{site}{reverse('messaging:inbound_callback', args=[token])}",
    })


# Callbacks from SMS Broadcast: no login, a secret token in the path instead -----------------------

def _token_ok(token: str) -> bool:
    expected = settings.SMS_CALLBACK_TOKEN
    return bool(expected) and constant_time_compare(token, expected)


def _params(request) -> dict:
    data = request.GET.copy()
    data.update(request.POST)
    return {k: data.get(k, "") for k in data}


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def receipt_callback(request, token):
    if not _token_ok(token):
        return HttpResponseForbidden("Forbidden")
    p = _params(request)
    services.record_receipt(ref=p.get("ref", ""), smsref=p.get("smsref", ""),
                            status=p.get("status", ""), to=p.get("to", ""))
    return HttpResponse("OK", content_type="text/plain")


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def inbound_callback(request, token):
    if not _token_ok(token):
        return HttpResponseForbidden("Forbidden")
    p = _params(request)
    if not p.get("from"):
        return HttpResponse("Missing from", status=400, content_type="text/plain")
    services.record_inbound(from_number=p["from"], message=p.get("message", ""),
                            ref=p.get("ref", ""), to=p.get("to", ""))
    return HttpResponse("OK", content_type="text/plain")
