"""Booking, moving and cancelling email the patient an .ics in the background; a patient without
an email address is skipped, and the appointment says so."""

import pytest
from django.test import override_settings

from ncc import testing
from scheduling import services
from scheduling.models import EmailStatus
from scheduling.tasks import send_appointment_email

from .factories import at, future_monday

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def monday():
    return future_monday()


def _book(clinic, clinician, patient, appt_type, start):
    return services.book_appointment(actor=None, patient=patient, clinician=clinician,
                                     clinic=clinic, appointment_type=appt_type, starts_at=start)


@override_settings(TASKS=IMMEDIATE)
def test_book_move_cancel_each_send_an_ics(sydney_cbd, ben_clinician, john_smith, review_type,
                                           monday, mailoutbox,
                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = _book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    a.refresh_from_db()
    assert a.confirmation_email_status == EmailStatus.SENT
    assert "john.smith@example.com" in a.confirmation_email_detail
    booked = mailoutbox[-1]
    assert booked.to == ["john.smith@example.com"]
    assert "is booked" in booked.subject
    name, ics, mimetype = booked.attachments[0]
    assert name == "appointment.ics" and mimetype.startswith("text/calendar")
    assert "METHOD:REQUEST" in ics and f"UID:{a.pk}@" in ics
    assert f"DTSTART:{a.starts_at:%Y%m%dT%H%M%S}Z" in ics

    with django_capture_on_commit_callbacks(execute=True):
        services.move_appointment(a, actor=None, starts_at=at(sydney_cbd, monday, 10))
    assert "has moved" in mailoutbox[-1].subject
    assert "SEQUENCE:1" in mailoutbox[-1].attachments[0][1]

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(a, actor=None, reason="Patient unwell")
    cancelled = mailoutbox[-1]
    assert "cancelled" in cancelled.subject
    assert "METHOD:CANCEL" in cancelled.attachments[0][1]
    assert "SEQUENCE:2" in cancelled.attachments[0][1]
    assert len(mailoutbox) == 3


@override_settings(TASKS=IMMEDIATE)
def test_patient_without_email_is_skipped_visibly(mia_client, sydney_cbd, ben_clinician,
                                                  review_type, monday, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    noemail = testing.make_patient(sydney_cbd, "Nora", "Noemail")
    with django_capture_on_commit_callbacks(execute=True):
        a = _book(sydney_cbd, ben_clinician, noemail, review_type, at(sydney_cbd, monday, 9))
    a.refresh_from_db()
    assert a.confirmation_email_status == EmailStatus.SKIPPED
    assert mailoutbox == []
    html = mia_client.get(f"/book/a/{a.pk}/").content.decode()
    assert "Skipped" in html and "No email address on file." in html


def test_failed_send_is_recorded_and_can_be_resent(sydney_cbd, ben_clinician, john_smith,
                                                   review_type, monday, settings):
    a = _book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    # An SMTP server that is not there: the port is closed on loopback.
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port,
                                                "timeout": 2}}}
    assert send_appointment_email.call(str(a.pk), "booked") == "failed"
    a.refresh_from_db()
    assert a.confirmation_email_status == EmailStatus.FAILED
    assert "Resend" in a.confirmation_email_detail
