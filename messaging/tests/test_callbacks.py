"""Delivery receipts and replies from SMS Broadcast: a secret token in the path, GET requests."""

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import services
from messaging.models import ClinicSMSSettings, SMSMessage, SMSStatus
from ncc import testing
from scheduling.models import Appointment

from .conftest import TOKEN


@pytest.fixture
def appointment(john_smith, ben_clinician, sydney_cbd, review_type):
    starts = timezone.now() + timezone.timedelta(days=1)
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, starts)


@pytest.fixture
def reminder(appointment, settings):
    settings.SMS_CALLBACK_TOKEN = TOKEN
    message = services.send_sms(patient=appointment.patient, body="Reply Y to confirm",
                                appointment=appointment, kind=SMSMessage.Kind.REMINDER)
    SMSMessage.objects.filter(pk=message.pk).update(status=SMSStatus.SENT, gateway_ref="777")
    return message


def receipt(client, token=TOKEN, **params):
    return client.get(reverse("messaging:receipt_callback", args=[token]), params)


def inbound(client, token=TOKEN, **params):
    return client.get(reverse("messaging:inbound_callback", args=[token]), params)


def test_receipt_marks_the_message_delivered(client, reminder):
    response = receipt(client, to="61412345678", ref=reminder.ref, smsref="777",
                       status="Delivered")
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == SMSStatus.DELIVERED and reminder.delivered_at


def test_receipt_matches_on_the_gateway_reference_first_and_is_idempotent(client, reminder):
    assert receipt(client, smsref="777", status="Failed").status_code == 200
    assert receipt(client, smsref="777", status="Failed").status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == SMSStatus.FAILED and "wrong or disconnected" in reminder.error


def test_unknown_status_values_are_accepted_and_ignored(client, reminder):
    assert receipt(client, smsref="777", status="Queued at carrier").status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == SMSStatus.SENT


def test_wrong_token_gets_403_and_changes_nothing(client, reminder, appointment):
    assert receipt(client, token="nope", smsref="777", status="Delivered").status_code == 403
    assert inbound(client, token="nope", **{"from": "61412345678", "message": "Y",
                                            "ref": reminder.ref}).status_code == 403
    reminder.refresh_from_db()
    appointment.refresh_from_db()
    assert reminder.status == SMSStatus.SENT and appointment.status == "booked"
    assert not SMSMessage.objects.filter(direction="in").exists()


def test_callbacks_need_no_login(client, reminder):
    assert "/sms/callback/" in reverse("messaging:receipt_callback", args=[TOKEN])
    assert receipt(client, smsref="777", status="Delivered").status_code == 200


def test_reply_yes_confirms_the_appointment_the_reminder_was_about(client, reminder, appointment):
    assert inbound(client, **{"from": "61412345678", "message": " yes! ",
                              "ref": reminder.ref}).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    reply = SMSMessage.objects.get(direction="in")
    assert reply.action == "confirmed" and reply.read and reply.in_reply_to == reminder
    assert services.unread_count() == 0


def test_reply_without_ref_is_matched_to_the_latest_message_to_that_number(client, reminder,
                                                                          appointment):
    inbound(client, **{"from": "0412345678", "message": "Y"})
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_reply_no_flags_the_appointment_for_reception(client, reminder, appointment):
    inbound(client, **{"from": "61412345678", "message": "N", "ref": reminder.ref})
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    reply = SMSMessage.objects.get(direction="in")
    assert reply.action == "call_back" and not reply.read
    assert services.unread_count() == 1


def test_reply_no_cancels_when_the_clinic_says_so(client, reminder, appointment, sydney_cbd):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, no_reply_cancels=True)
    inbound(client, **{"from": "61412345678", "message": "no", "ref": reminder.ref})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and "replied N" in appointment.cancellation_reason


def test_yes_never_revives_a_cancelled_appointment(client, reminder, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled",
                                                         cancellation_reason="Moved away")
    inbound(client, **{"from": "61412345678", "message": "Y", "ref": reminder.ref})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert SMSMessage.objects.get(direction="in").action == "no_appointment"


def test_stop_opts_the_patient_out(client, reminder, john_smith):
    inbound(client, **{"from": "61412345678", "message": "STOP", "ref": reminder.ref})
    john_smith.refresh_from_db()
    assert john_smith.sms_opted_out_at is not None
    with pytest.raises(services.SMSError):
        services.send_sms(patient=john_smith, body="Hello")


def test_other_replies_wait_in_the_inbox(client, reminder):
    inbound(client, **{"from": "61412345678", "message": "Can I come at 3 instead?",
                       "ref": reminder.ref})
    reply = SMSMessage.objects.get(direction="in")
    assert reply.action == "" and not reply.read and reply.patient == reminder.patient
    assert services.unread_count() == 1


def test_reply_from_an_unknown_number_is_kept(client, reminder):
    inbound(client, **{"from": "61499999999", "message": "Who is this?"})
    reply = SMSMessage.objects.get(direction="in")
    assert reply.patient is None and reply.number == "+61499999999"


def test_changes_made_by_replies_are_audited(client, reminder, appointment, john_smith):
    from audit.models import AuditEvent

    inbound(client, **{"from": "61412345678", "message": "Y", "ref": reminder.ref})
    inbound(client, **{"from": "61412345678", "message": "STOP", "ref": reminder.ref})
    summaries = list(AuditEvent.objects.values_list("summary", flat=True))
    assert "Confirmed by the patient's SMS reply" in summaries
    assert "John Smith opted out of SMS by replying STOP" in summaries


def test_a_repeated_callback_is_not_a_second_reply(client, reminder):
    for _ in range(2):
        inbound(client, **{"from": "61412345678", "message": "N", "ref": reminder.ref})
    assert SMSMessage.objects.filter(direction="in").count() == 1
