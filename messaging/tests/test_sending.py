"""send_sms writes the row first, the task sends it; faults end in a visible state, never a
silent double send."""

import pytest
from django.utils import timezone

from messaging import services
from messaging.fake import FakeSMSBroadcast
from messaging.models import ClinicSMSSettings, SMSMessage, SMSStatus
from ncc import testing


@pytest.fixture
def queued(john_smith, fake_smsb):
    return services.send_sms(patient=john_smith, body="Your orthotics are ready to collect.")


def test_the_message_row_is_written_queued_before_any_call(queued, fake_smsb):
    assert queued.status == SMSStatus.QUEUED
    assert queued.number == "+61412345678" and queued.sender == "WalkEasy"
    assert queued.segments == 1 and len(queued.ref) <= 20
    assert fake_smsb.messages == []


def test_the_task_sends_it_and_stores_the_gateway_reference(queued, fake_smsb):
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.SENT and message.sent_at
    assert message.gateway_ref == fake_smsb.messages[0].smsref
    assert fake_smsb.messages[0].ref == queued.ref
    assert services.deliver(queued.pk) is None  # already sent: a second run does nothing
    assert len(fake_smsb.messages) == 1


def test_enqueued_on_commit_and_sent_by_the_task(john_smith, fake_smsb, immediate_tasks,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_sms(patient=john_smith, body="Hello from Walk Easy")
    message.refresh_from_db()
    assert message.status == SMSStatus.SENT


def test_server_error_is_retried_and_sent_once(queued, fake_smsb):
    fake_smsb.fail_next("500")
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.QUEUED and message.next_attempt_at
    assert "try again" in message.error
    SMSMessage.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    stats = services.dispatch_queued()
    assert stats["sent"] == 1
    message.refresh_from_db()
    assert message.status == SMSStatus.SENT and message.attempts == 2
    assert len(fake_smsb.messages) == 1


def test_refused_connection_is_retried(queued, fake_smsb, settings):
    settings.SMSB_API_URL = FakeSMSBroadcast.closed_url()
    assert services.deliver(queued.pk).status == SMSStatus.QUEUED


def test_gives_up_after_the_last_attempt(queued, fake_smsb):
    SMSMessage.objects.filter(pk=queued.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    fake_smsb.fail_next("503")
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.FAILED and "Gave up" in message.error


def test_timeout_is_unknown_and_never_resent_automatically(queued, fake_smsb):
    fake_smsb.fail_next("slow")
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.UNKNOWN
    assert "will not be resent automatically" in message.error
    assert services.dispatch_queued()["sent"] == 0
    fake_smsb.wait_idle()
    assert len(fake_smsb.messages) == 1  # the gateway did get it


def test_receipt_with_our_ref_settles_an_unknown_message(queued, fake_smsb):
    fake_smsb.fail_next("slow")
    services.deliver(queued.pk)
    fake_smsb.wait_idle()  # the gateway records it once we have hung up
    sent = fake_smsb.messages[0]
    assert services.record_receipt(ref=sent.ref, smsref=sent.smsref, status="Delivered")
    queued.refresh_from_db()
    assert queued.status == SMSStatus.DELIVERED and queued.gateway_ref == sent.smsref


def test_staff_may_resend_an_unknown_message_by_hand_once(queued, fake_smsb, mia_receptionist):
    fake_smsb.fail_next("slow")
    services.deliver(queued.pk)
    queued.refresh_from_db()
    again = services.resend(queued, actor=mia_receptionist)
    assert again.resend_of == queued and again.ref != queued.ref
    services.deliver(again.pk)
    fake_smsb.wait_idle()
    assert len(fake_smsb.messages) == 2
    queued.refresh_from_db()
    with pytest.raises(services.SMSError):
        services.resend(queued, actor=mia_receptionist)


def test_bad_line_fails_the_message_with_the_gateways_reason(queued, fake_smsb):
    fake_smsb.fail_next("bad")
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.FAILED and "Invalid Number" in message.error


def test_error_line_fails_the_message(queued, fake_smsb):
    fake_smsb.fail_next("error")
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.FAILED and "incorrect" in message.error


@pytest.mark.parametrize("change, words", [
    ({"mobile": ""}, "no mobile number"),
    ({"sms_consent": False}, "not agreed"),
    ({"sms_opted_out_at": timezone.now()}, "replied STOP"),
    ({"mobile": "+6421234567"}, "not an Australian mobile"),
])
def test_who_cannot_be_texted_is_refused_with_the_reason(john_smith, change, words):
    for field, value in change.items():
        setattr(john_smith, field, value)
    with pytest.raises(services.SMSError) as exc:
        services.send_sms(patient=john_smith, body="Hi")
    assert words in exc.value.message
    assert not SMSMessage.objects.exists()


def test_a_message_over_the_clinics_part_limit_is_refused_with_the_count(john_smith, sydney_cbd):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, segment_limit=1)
    with pytest.raises(services.SMSError) as exc:
        services.send_sms(patient=john_smith, body="x" * 200)
    assert "2 SMS parts (200 characters)" in exc.value.message and "allows 1" in exc.value.message
    with pytest.raises(services.SMSError) as exc:
        services.send_sms(patient=john_smith, body="Thanks 🙂 " * 10)
    assert "67 characters" in exc.value.message


def test_stop_after_queueing_blocks_the_send(queued, fake_smsb, john_smith):
    john_smith.sms_opted_out_at = timezone.now()
    john_smith.save()
    message = services.deliver(queued.pk)
    assert message.status == SMSStatus.FAILED and "STOP" in message.error
    assert fake_smsb.messages == []


def test_a_clinic_with_a_reply_number_sends_from_it(sydney_cbd, fake_smsb):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, reply_number="+61400111222")
    patient = testing.make_patient(sydney_cbd, "Kim", "Tan", mobile="0422 333 444")
    message = services.send_sms(patient=patient, body="Hi Kim")
    services.deliver(message.pk)
    assert fake_smsb.messages[0].sender == "61400111222"
    assert fake_smsb.messages[0].to == "61422333444"


def test_a_message_left_sending_by_a_dead_worker_becomes_unknown(queued):
    SMSMessage.objects.filter(pk=queued.pk).update(
        status=SMSStatus.SENDING, claimed_at=timezone.now() - timezone.timedelta(minutes=11))
    assert services.recover_stuck_sending() == 1
    queued.refresh_from_db()
    assert queued.status == SMSStatus.UNKNOWN and queued.can_resend


def test_a_receipt_that_beats_the_send_reply_keeps_delivered(queued, fake_smsb):
    class ReceiptFirst:
        """The gateway's receipt reaches us before its reply to the send does."""

        def send(self, **kw):
            from messaging.providers.smsbroadcast import SMSBroadcastProvider

            result = SMSBroadcastProvider().send(**kw)
            services.record_receipt(ref=kw["ref"], smsref=result.gateway_ref,
                                    status="Delivered")
            return result

    message = services.deliver(queued.pk, provider=ReceiptFirst())
    assert message.status == SMSStatus.DELIVERED and message.sent_at and message.gateway_ref


def test_an_error_line_fails_one_message_and_pauses_the_rest(john_smith, fake_smsb):
    first, *rest = [services.send_sms(patient=john_smith, body=f"Message {i}") for i in range(3)]
    fake_smsb.fail_next("error")
    stats = services.dispatch_queued()
    assert stats["paused"] == 1 and stats["failed"] == 1
    first.refresh_from_db()
    assert first.status == SMSStatus.FAILED and "incorrect" in first.error
    for message in rest:
        message.refresh_from_db()
        assert message.status == SMSStatus.QUEUED and message.attempts == 0
        assert message.error.startswith("Sending paused") and message.next_attempt_at
    assert fake_smsb.messages == []


def _reminder(patient, clinic, appointment):
    return SMSMessage.objects.create(patient=patient, clinic=clinic, appointment=appointment,
                                     number=patient.mobile, body="Reminder", sender="WalkEasy",
                                     kind=SMSMessage.Kind.REMINDER)


def test_a_queued_reminder_is_not_sent_once_the_appointment_is_cancelled(
        john_smith, ben_clinician, sydney_cbd, review_type, fake_smsb):
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           timezone.now() + timezone.timedelta(hours=20))
    message = _reminder(john_smith, sydney_cbd, appointment)
    appointment.status, appointment.cancellation_reason = "cancelled", "Unwell"
    appointment.save()
    assert services.deliver(message.pk).status == SMSStatus.FAILED
    assert fake_smsb.messages == []


def test_a_reminder_retried_into_the_quiet_hours_waits_for_the_morning(
        john_smith, ben_clinician, sydney_cbd, review_type, fake_smsb):
    local_now = timezone.now().astimezone(sydney_cbd.tz)
    ClinicSMSSettings.objects.create(
        clinic=sydney_cbd, quiet_from=(local_now - timezone.timedelta(hours=1)).time(),
        quiet_until=(local_now + timezone.timedelta(hours=1)).time().replace(second=0,
                                                                            microsecond=0))
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           timezone.now() + timezone.timedelta(hours=20))
    message = _reminder(john_smith, sydney_cbd, appointment)
    assert services.dispatch_queued()["held"] == 1
    message.refresh_from_db()
    assert message.status == SMSStatus.QUEUED and message.attempts == 0
    wait = message.next_attempt_at - timezone.now()
    assert timezone.timedelta(minutes=50) < wait <= timezone.timedelta(hours=1)
    assert fake_smsb.messages == []
