"""A message whose outcome is unknown is settled by a person on the message log or the
conversation: "It was delivered", or "Send again" after a page that warns of a second copy."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from messaging import services
from messaging.models import SMSMessage, SMSStatus
from ncc import testing


@pytest.fixture
def unknown(john_smith, sydney_cbd):
    return SMSMessage.objects.create(
        patient=john_smith, clinic=sydney_cbd, number=john_smith.mobile, sender="WalkEasy",
        body="Your orthotics are ready.", status=SMSStatus.UNKNOWN,
        error="The connection to SMS Broadcast broke before it answered. It may or may not have "
              "been sent; it will not be resent automatically.")


def test_the_message_log_offers_both_ways_to_settle_an_unknown(mia_client, unknown):
    page = mia_client.get(reverse("messaging:list") + "?status=unknown").content.decode()
    assert "It was delivered" in page
    assert reverse("messaging:resend", args=[unknown.pk]) in page
    assert reverse("messaging:mark_delivered", args=[unknown.pk]) in page


def test_send_again_first_warns_that_the_patient_may_get_two(mia_client, unknown):
    response = mia_client.get(reverse("messaging:resend", args=[unknown.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "may get this message twice" in page and "Send again: they may get two" in page
    assert not SMSMessage.objects.filter(resend_of=unknown).exists()  # asking sends nothing


def test_confirming_sends_again_once_and_returns_to_the_log(mia_client, unknown,
                                                             django_capture_on_commit_callbacks):
    back = reverse("messaging:list") + "?status=unknown"
    url = reverse("messaging:resend", args=[unknown.pk])
    with django_capture_on_commit_callbacks():
        response = mia_client.post(url, {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    again = SMSMessage.objects.get(resend_of=unknown)
    assert again.status == SMSStatus.QUEUED and again.body == unknown.body
    mia_client.post(url, {"next": back})  # a second press
    assert SMSMessage.objects.filter(resend_of=unknown).count() == 1
    page = mia_client.get(url).content.decode()
    assert "already been sent again once" in page and "Send again: they may get two" not in page


def test_it_was_delivered_settles_it_and_writes_an_audit_row(mia_client, unknown, john_smith):
    response = mia_client.post(reverse("messaging:mark_delivered", args=[unknown.pk]),
                               {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:conversation", args=[john_smith.pk])
    unknown.refresh_from_db()
    assert unknown.status == SMSStatus.DELIVERED and unknown.delivered_at and not unknown.error
    assert not unknown.can_resend
    assert AuditEvent.objects.filter(summary__contains="as delivered after checking").exists()


def test_a_message_already_settled_by_a_receipt_is_left_alone(unknown, mia_receptionist):
    services.record_receipt(ref=unknown.ref, status="Failed")
    with pytest.raises(services.SMSError) as exc:
        services.mark_delivered(unknown, actor=mia_receptionist)
    assert "no longer of unknown outcome" in exc.value.message
    unknown.refresh_from_db()
    assert unknown.status == SMSStatus.FAILED


def test_it_was_delivered_is_only_a_post(mia_client, unknown):
    assert mia_client.get(reverse("messaging:mark_delivered", args=[unknown.pk])).status_code \
        == 405
    unknown.refresh_from_db()
    assert unknown.status == SMSStatus.UNKNOWN


def test_a_reminder_marked_delivered_marks_the_appointment_as_reminded(
        unknown, john_smith, ben_clinician, sydney_cbd, review_type, mia_receptionist):
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           timezone.now() + timezone.timedelta(hours=20))
    SMSMessage.objects.filter(pk=unknown.pk).update(kind=SMSMessage.Kind.REMINDER,
                                                    appointment=appointment)
    services.mark_delivered(unknown, actor=mia_receptionist)
    appointment.refresh_from_db()
    assert appointment.reminder_state == "sent"
