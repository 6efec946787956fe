"""Confirmation emails with a calendar (.ics) attachment, sent in the background."""

import logging
import smtplib
from datetime import UTC

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

from .models import Appointment, EmailStatus

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
        rows.update(confirmation_email_status=EmailStatus.FAILED,
                    confirmation_email_detail="The mail server could not be reached or refused "
                                              "the message. Use Resend to try again.",
                    confirmation_email_at=timezone.now())
        return "failed"
    label = {"booked": "Booking", "moved": "Change", "cancelled": "Cancellation"}[kind]
    rows.update(confirmation_email_status=EmailStatus.SENT,
                confirmation_email_detail=f"{label} email sent to {appointment.patient.email}.",
                confirmation_email_at=timezone.now())
    return "sent"
