"""The book marks who was reminded and has not answered, and who asked to be called."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from messaging import services
from messaging.models import SMSMessage, SMSStatus
from messaging.providers.console import ConsoleProvider
from ncc import testing


@pytest.fixture
def tomorrow_visit(sydney_cbd, ben_clinician, review_type, john_smith):
    day = timezone.localdate(timezone=sydney_cbd.tz) + timedelta(days=1)
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    datetime(day.year, day.month, day.day, 9,
                                             tzinfo=sydney_cbd.tz))


def _remind(appointment):
    message = SMSMessage.objects.create(
        patient=appointment.patient, appointment=appointment, clinic=appointment.clinic,
        number=appointment.patient.mobile, body="Reminder", kind=SMSMessage.Kind.REMINDER,
        status=SMSStatus.QUEUED)
    services.deliver(message.pk, provider=ConsoleProvider())
    return message


def _book(client, appointment):
    day = appointment.local_starts_at.date().isoformat()
    return client.get(f"/book/?date={day}").content.decode()


@pytest.mark.django_db
def test_reminded_without_a_reply_shows_no_reply(mia_client, tomorrow_visit):
    _remind(tomorrow_visit)
    tomorrow_visit.refresh_from_db()
    assert tomorrow_visit.reminder_state == "sent"
    assert "No reply</span>" in _book(mia_client, tomorrow_visit)


@pytest.mark.django_db
def test_an_n_reply_shows_call_back(mia_client, tomorrow_visit):
    sent = _remind(tomorrow_visit)
    services.record_inbound(from_number="61412345678", message="N", ref=sent.ref)
    page = _book(mia_client, tomorrow_visit)
    assert "Call back</span>" in page and "No reply</span>" not in page


@pytest.mark.django_db
def test_a_y_reply_confirms_and_clears_the_mark(mia_client, tomorrow_visit):
    sent = _remind(tomorrow_visit)
    services.record_inbound(from_number="61412345678", message="Y", ref=sent.ref)
    tomorrow_visit.refresh_from_db()
    assert tomorrow_visit.status == "confirmed" and tomorrow_visit.reminder_state == "replied"
    page = _book(mia_client, tomorrow_visit)
    assert "No reply</span>" not in page and "Call back</span>" not in page


@pytest.mark.django_db
def test_no_mark_before_any_reminder(mia_client, tomorrow_visit):
    page = _book(mia_client, tomorrow_visit)
    assert "No reply</span>" not in page and "Call back</span>" not in page
