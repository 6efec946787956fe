"""Confirmation emails with a calendar (.ics) attachment, sent in the background."""

import logging
import smtplib
from datetime import UTC, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

from .models import Appointment, AppointmentStatus, EmailStatus

log = logging.getLogger(__name__)

SUBJECTS = {
    "booked": "Your appointment at {clinic} is booked",
    "moved": "Your appointment at {clinic} has moved",
    "cancelled": "Your appointment at {clinic} is cancelled",
}


def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _ics_time(dt) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, kind: str) -> str:
    """An iCalendar event; cancelling sends METHOD:CANCEL with the same UID and a higher
    SEQUENCE so the patient's calendar removes it."""
    clinic = appointment.clinic
    cancelled = kind == "cancelled"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Walk Easy//Nexus Core Clinic//EN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{appointment.pk}@nexus-core-clinic",
        f"SEQUENCE:{appointment.sequence}",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(appointment.starts_at)}",
        f"DTEND:{_ics_time(appointment.ends_at)}",
        f"SUMMARY:{_ics_text(f'{appointment.appointment_type.name} with {appointment.clinician.display_name}')}",
        f"LOCATION:{_ics_text(f'{clinic.name}, {clinic.address_line}, {clinic.suburb} {clinic.state} {clinic.postcode}')}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def appointment_email(appointment: Appointment, kind: str) -> EmailMessage:
    clinic = appointment.clinic
    local = appointment.starts_at.astimezone(clinic.tz)
    when = f"{local:%A} {local.day} {local:%B %Y} at {local.hour % 12 or 12}:{local:%M} " \
           f"{'am' if local.hour < 12 else 'pm'}"
    what = f"{appointment.appointment_type.name} with {appointment.clinician.display_name}"
    if kind == "cancelled":
        body = (f"Hello {appointment.patient.called},\n\nYour appointment ({what}) on {when} at "
                f"{clinic.name} has been cancelled.\n\nTo book again, call us on "
                f"{clinic.phone or 'the clinic'}.\n\nWalk Easy")
    else:
        verb = "is now" if kind == "moved" else "is booked for"
        body = (f"Hello {appointment.patient.called},\n\nYour appointment ({what}) {verb} "
                f"{when} at {clinic.name}, {clinic.address_line}, {clinic.suburb}.\n\n"
                f"If you cannot come, please call us on {clinic.phone or 'the clinic'}.\n\n"
                "Walk Easy")
    msg = EmailMessage(subject=SUBJECTS[kind].format(clinic=clinic.short_name), body=body,
                       from_email=settings.DEFAULT_FROM_EMAIL, to=[appointment.patient.email],
                       reply_to=[clinic.email] if clinic.email else None)
    msg.attach("appointment.ics", appointment_ics(appointment, kind),
               f"text/calendar; method={'CANCEL' if kind == 'cancelled' else 'REQUEST'}")
    return msg


# A failed confirmation email is sent again by retry_failed_confirmations after 5, 20, 80 and
# 320 minutes; after MAX_EMAIL_ATTEMPTS failed sends it stays Failed until someone presses Resend.
MAX_EMAIL_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)


def retry_delay(failed_attempts: int) -> timedelta:
    return FIRST_RETRY * 4 ** (failed_attempts - 1)


def _record_failure(appointment: Appointment) -> None:
    """Count the failed send and, while attempts remain and the visit is still ahead and not
    cancelled, say when the sweep will try again."""
    now = timezone.now()
    attempts = appointment.confirmation_email_attempts + 1
    retriable = (not appointment.is_cancelled and appointment.starts_at > now
                 and attempts < MAX_EMAIL_ATTEMPTS)
    if retriable:
        retry_at = now + retry_delay(attempts)
        local = retry_at.astimezone(appointment.clinic.tz)
        detail = (f"The mail server could not be reached or refused the message (attempt "
                  f"{attempts} of {MAX_EMAIL_ATTEMPTS}). It will be tried again at "
                  f"{local.hour % 12 or 12}:{local:%M} {'am' if local.hour < 12 else 'pm'}, "
                  "or use Resend to try now.")
    else:
        retry_at = None
        tried = (f"Not sent after {attempts} attempts" if attempts > 1
                 else "The mail server could not be reached or refused the message")
        detail = f"{tried}; it will not be retried automatically. Use Resend to try again."
    Appointment.objects.filter(pk=appointment.pk).update(
        confirmation_email_status=EmailStatus.FAILED, confirmation_email_detail=detail,
        confirmation_email_at=now, confirmation_email_attempts=attempts,
        confirmation_email_retry_at=retry_at)


def _sweep_kind(appointment: Appointment) -> str:
    if appointment.confirmation_email_kind in SUBJECTS:
        return appointment.confirmation_email_kind
    return "moved" if appointment.sequence else "booked"


@task()
def retry_failed_confirmations() -> dict:
    """Periodic sweep: send again each failed confirmation email whose retry time has come, for
    appointments still ahead and not cancelled. Each row is claimed with a conditional update
    (failed -> pending, retry time cleared) so two sweeps never send the same email twice."""
    now = timezone.now()
    due = (Appointment.objects
           .filter(confirmation_email_status=EmailStatus.FAILED,
                   confirmation_email_retry_at__lte=now, starts_at__gt=now,
                   confirmation_email_attempts__lt=MAX_EMAIL_ATTEMPTS)
           .exclude(status=AppointmentStatus.CANCELLED)
           .order_by("confirmation_email_retry_at")
           .values_list("pk", "confirmation_email_retry_at")[:200])
    counts = {"claimed": 0, "sent": 0, "failed": 0, "skipped": 0, "gone": 0}
    for pk, retry_at in due:
        claimed = (Appointment.objects
                   .filter(pk=pk, confirmation_email_status=EmailStatus.FAILED,
                           confirmation_email_retry_at=retry_at)
                   .update(confirmation_email_status=EmailStatus.PENDING,
                           confirmation_email_retry_at=None))
        if not claimed:
            continue  # another sweep (or Resend) got there first
        counts["claimed"] += 1
        appointment = Appointment.objects.only("confirmation_email_kind", "sequence").get(pk=pk)
        result = send_appointment_email.call(str(pk), _sweep_kind(appointment))
        counts[result] = counts.get(result, 0) + 1
    return counts


@task()
def send_appointment_email(appointment_id: str, kind: str) -> str:
    appointment = (Appointment.objects.select_related("patient", "clinic", "clinician__user",
                                                      "appointment_type")
                   .filter(pk=appointment_id).first())
    if appointment is None:
        return "gone"
    rows = Appointment.objects.filter(pk=appointment.pk)
    if not appointment.patient.email:
        rows.update(confirmation_email_status=EmailStatus.SKIPPED,
                    confirmation_email_detail="No email address on file.",
                    confirmation_email_at=timezone.now())
        return "skipped"
    try:
        appointment_email(appointment, kind).send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("Confirmation email for appointment %s failed: %s", appointment.pk,
                    type(exc).__name__)
        _record_failure(appointment)
        return "failed"
    label = {"booked": "Booking", "moved": "Change", "cancelled": "Cancellation"}[kind]
    rows.update(confirmation_email_status=EmailStatus.SENT,
                confirmation_email_detail=f"{label} email sent to {appointment.patient.email}.",
                confirmation_email_at=timezone.now())
    return "sent"
