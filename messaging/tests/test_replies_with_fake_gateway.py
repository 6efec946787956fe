"""End to end over real HTTP: NCC -> fake SMS Broadcast -> receipts and replies -> NCC callbacks."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from messaging import services
from messaging.models import ReminderRule, SMSMessage, SMSStatus
from ncc import testing


@pytest.fixture
def reminded(fake_smsb_live, sydney_cbd, john_smith, ben_clinician, review_type):
    """John's appointment tomorrow at 10:00 Sydney time, reminded by the 9:00 sweep today."""
    ReminderRule.objects.create(clinic=sydney_cbd, template=services.default_template())
    tz = sydney_cbd.tz
    today = timezone.now().astimezone(tz).date()
    tomorrow = today + timedelta(days=1)
    starts = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, tzinfo=tz)
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           starts)
    services.send_due_reminders(datetime(today.year, today.month, today.day, 9, 5, tzinfo=tz))
    message = SMSMessage.objects.get(appointment=appointment)
    assert message.status in (SMSStatus.SENT, SMSStatus.DELIVERED)
    return appointment, message


@pytest.mark.django_db(transaction=True)
def test_reply_y_through_the_gateway_confirms_the_appointment(reminded, fake_smsb_live):
    appointment, message = reminded
    sent = fake_smsb_live.find(ref=message.ref)
    assert "Reply Y to confirm" in sent.body and sent.to == "61412345678"
    assert fake_smsb_live.send_receipt(sent, "Delivered") == 200
    assert fake_smsb_live.reply("61412345678", "Y", ref=message.ref) == 200
    appointment.refresh_from_db()
    message.refresh_from_db()
    assert appointment.status == "confirmed"
    assert message.status == SMSStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_stop_through_the_gateway_blocks_the_next_send(reminded, fake_smsb_live, john_smith):
    appointment, message = reminded
    queued_before = SMSMessage.objects.create(patient=john_smith, clinic=appointment.clinic,
                                              number=john_smith.mobile, body="Queued earlier",
                                              sender="WalkEasy")
    assert fake_smsb_live.reply("0412345678", "Stop", ref=message.ref) == 200
    john_smith.refresh_from_db()
    assert john_smith.sms_opted_out_at is not None
    with pytest.raises(services.SMSError, match="STOP"):
        services.send_sms(patient=john_smith, body="Are you still there?")
    assert services.deliver(queued_before.pk).status == SMSStatus.FAILED
    assert [m.ref for m in fake_smsb_live.messages] == [message.ref]
