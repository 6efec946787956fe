"""A failed confirmation email is sent again by the periodic sweep with backoff, up to a cap,
never for cancelled or past appointments and never twice for one failure."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from ncc.schedule import SCHEDULE
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus, EmailStatus
from scheduling.tasks import (
    MAX_EMAIL_ATTEMPTS,
    retry_delay,
    retry_failed_confirmations,
    send_appointment_email,
)

from .factories import at, future_monday


@pytest.fixture
def appointment(sydney_cbd, ben_clinician, john_smith, review_type):
    return services.book_appointment(actor=None, patient=john_smith, clinician=ben_clinician,
                                     clinic=sydney_cbd, appointment_type=review_type,
                                     starts_at=at(sydney_cbd, future_monday(), 9))


@pytest.fixture
def mail_down(settings):
    """Point the mailer at a closed loopback port; calling the returned function brings the
    original (locmem) mailer back."""
    original = settings.MAILERS
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port,
                                                "timeout": 2}}}

    def restore():
        settings.MAILERS = original
    return restore


def _make_due(appointment):
    """Move the retry time into the past, as if the backoff had elapsed."""
    Appointment.objects.filter(pk=appointment.pk).update(
        confirmation_email_retry_at=timezone.now() - timedelta(seconds=1))


def test_sweep_is_on_the_schedule():
    assert ("scheduling.tasks.retry_failed_confirmations", 300) in SCHEDULE


def test_failed_email_is_retried_after_backoff_then_sent(appointment, mail_down, mailoutbox):
    before = timezone.now()
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    appointment.refresh_from_db()
    assert appointment.confirmation_email_attempts == 1
    assert appointment.confirmation_email_retry_at >= before + retry_delay(1)
    assert "attempt 1 of" in appointment.confirmation_email_detail
    assert "tried again at" in appointment.confirmation_email_detail

    mail_down()  # the mail server is back
    # Not due yet: nothing happens.
    assert retry_failed_confirmations.call()["claimed"] == 0
    assert mailoutbox == []

    _make_due(appointment)
    assert retry_failed_confirmations.call() == {"claimed": 1, "sent": 1, "failed": 0,
                                                 "skipped": 0, "gone": 0}
    appointment.refresh_from_db()
    assert appointment.confirmation_email_status == EmailStatus.SENT
    assert appointment.confirmation_email_retry_at is None
    assert len(mailoutbox) == 1 and "is booked" in mailoutbox[0].subject


def test_retry_resends_the_kind_that_failed(appointment, sydney_cbd, mail_down, mailoutbox):
    services.move_appointment(appointment, actor=None,
                              starts_at=at(sydney_cbd, future_monday(), 11))
    assert send_appointment_email.call(str(appointment.pk), "moved") == "failed"
    mail_down()
    _make_due(appointment)
    assert retry_failed_confirmations.call()["sent"] == 1
    assert "has moved" in mailoutbox[0].subject


def test_retries_stop_at_the_cap_with_a_visible_final_state(appointment, mail_down):
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    for _ in range(MAX_EMAIL_ATTEMPTS - 1):
        _make_due(appointment)
        assert retry_failed_confirmations.call()["failed"] == 1
    appointment.refresh_from_db()
    assert appointment.confirmation_email_attempts == MAX_EMAIL_ATTEMPTS
    assert appointment.confirmation_email_status == EmailStatus.FAILED
    assert appointment.confirmation_email_retry_at is None
    assert f"Not sent after {MAX_EMAIL_ATTEMPTS} attempts" in \
        appointment.confirmation_email_detail
    assert "Resend" in appointment.confirmation_email_detail
    # Even if someone set a retry time, the cap holds.
    _make_due(appointment)
    assert retry_failed_confirmations.call()["claimed"] == 0


def test_resend_by_hand_starts_the_attempts_afresh(appointment, mail_down):
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    services.resend_confirmation(appointment, actor=None)
    appointment.refresh_from_db()
    assert appointment.confirmation_email_attempts == 0
    assert appointment.confirmation_email_retry_at is None
    assert appointment.confirmation_email_status == EmailStatus.PENDING


def test_cancelled_and_past_appointments_are_not_retried(appointment, mail_down, mailoutbox):
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    mail_down()
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.CANCELLED, cancellation_reason="Patient unwell")
    _make_due(appointment)
    assert retry_failed_confirmations.call()["claimed"] == 0

    past_start = timezone.now() - timedelta(hours=2)
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.BOOKED, cancellation_reason="", starts_at=past_start,
        ends_at=past_start + timedelta(minutes=30))
    assert retry_failed_confirmations.call()["claimed"] == 0
    assert mailoutbox == []
    appointment.refresh_from_db()
    assert appointment.confirmation_email_status == EmailStatus.FAILED


def test_a_failure_on_a_cancelled_appointment_is_final_at_once(appointment, mail_down):
    services.cancel_appointment(appointment, actor=None, reason="Patient unwell")
    assert send_appointment_email.call(str(appointment.pk), "cancelled") == "failed"
    appointment.refresh_from_db()
    assert appointment.confirmation_email_retry_at is None
    assert "will not be retried automatically" in appointment.confirmation_email_detail


def test_sweep_twice_sends_once(appointment, mail_down, mailoutbox):
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    mail_down()
    _make_due(appointment)
    assert retry_failed_confirmations.call()["sent"] == 1
    assert retry_failed_confirmations.call()["claimed"] == 0
    assert len(mailoutbox) == 1


def test_a_row_claimed_by_another_sweep_is_left_alone(appointment, mail_down, mailoutbox):
    """The claim is a conditional update on the retry time the sweep read: once another sweep
    has claimed the row (failed -> pending, retry time cleared) this one skips it."""
    assert send_appointment_email.call(str(appointment.pk), "booked") == "failed"
    mail_down()
    _make_due(appointment)
    Appointment.objects.filter(pk=appointment.pk).update(
        confirmation_email_status=EmailStatus.PENDING, confirmation_email_retry_at=None)
    assert retry_failed_confirmations.call()["claimed"] == 0
    assert mailoutbox == []
