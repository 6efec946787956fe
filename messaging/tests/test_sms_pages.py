"""The SMS pages: conversation and send form, list with filters, inbox with its badge, settings."""

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging import services
from messaging.models import ClinicSMSSettings, ReminderRule, SMSMessage, SMSStatus


@pytest.fixture
def reply(john_smith, sydney_cbd):
    return SMSMessage.objects.create(direction="in", kind="reply", status="received",
                                     patient=john_smith, clinic=sydney_cbd,
                                     number=john_smith.mobile, body="Can I come at 3?",
                                     read=False)


def test_patient_page_shows_the_sms_panel(mia_client, john_smith):
    response = mia_client.get(john_smith.get_absolute_url())
    assert b'id="sms-panel"' in response.content and b"Send SMS" in response.content


def test_patient_page_says_why_a_patient_cannot_be_texted(mia_client, john_smith):
    john_smith.sms_opted_out_at = timezone.now()
    john_smith.save()
    response = mia_client.get(john_smith.get_absolute_url())
    assert b"replied STOP" in response.content and b"Send SMS" not in response.content


def test_sending_from_the_patient_page_queues_and_returns(mia_client, john_smith):
    page = john_smith.get_absolute_url()
    response = mia_client.post(reverse("messaging:send", args=[john_smith.pk]),
                               {"body": "Your orthotics are ready.", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    message = SMSMessage.objects.get()
    assert message.status == SMSStatus.QUEUED and message.created_by.email == \
        "mia@walkeasy.example"


def test_a_too_long_message_is_refused_beside_the_field(mia_client, john_smith):
    response = mia_client.post(reverse("messaging:send", args=[john_smith.pk]),
                               {"body": "x" * 400})
    assert response.status_code == 400
    assert b"needs 3 SMS parts" in response.content
    assert not SMSMessage.objects.exists()


def test_conversation_shows_templates_filled_for_the_patient(mia_client, john_smith):
    services.default_template()
    response = mia_client.get(reverse("messaging:conversation", args=[john_smith.pk]))
    assert response.status_code == 200
    assert b"Hi John, reminder" in response.content


def test_inbox_lists_unread_replies_and_the_menu_shows_the_count(mia_client, reply):
    response = mia_client.get(reverse("messaging:inbox"))
    assert b"Can I come at 3?" in response.content
    assert b'<span class="badge">1</span>' in response.content
    mia_client.post(reverse("messaging:mark_read", args=[reply.pk]), {"read": "1"})
    reply.refresh_from_db()
    assert reply.read
    assert b'class="badge"' not in mia_client.get(reverse("messaging:inbox")).content


def test_list_filters_by_status_and_clinic(mia_client, john_smith, sydney_cbd, brisbane):
    services.send_sms(patient=john_smith, body="queued one")
    SMSMessage.objects.create(patient=john_smith, clinic=brisbane, number=john_smith.mobile,
                              body="failed one", status=SMSStatus.FAILED, error="Invalid Number")
    url = reverse("messaging:list")
    assert b"failed one" in mia_client.get(url, {"status": "failed"}).content
    assert b"queued one" not in mia_client.get(url, {"status": "failed"}).content
    assert b"queued one" in mia_client.get(url, {"clinic": sydney_cbd.pk}).content
    today = timezone.localdate().isoformat()
    assert b"queued one" in mia_client.get(url, {"date_from": today, "date_to": today}).content


def test_settings_page_shows_balance_and_warns_about_alphanumeric_senders(sam_client, sydney_cbd):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, low_balance_warning=5000)
    response = sam_client.get(reverse("messaging:settings"))
    assert b"1000" in response.content and b"Top up" in response.content
    assert b"cannot receive replies" in response.content
    assert b"SMS" in sam_client.get(reverse("settings:index")).content


def test_admin_adds_a_reminder_rule(sam_client, sydney_cbd):
    template = services.default_template()
    response = sam_client.post(reverse("messaging:settings"), {
        "form": "rule", "clinic": sydney_cbd.pk, "kind": "hours_before", "send_at": "09:00",
        "hours_before": "3", "template": template.pk, "active": "on"})
    assert response.status_code == 302
    assert ReminderRule.objects.get().describe() == "3 hours before"


def test_settings_are_for_admins_only(mia_client):
    assert mia_client.get(reverse("messaging:settings")).status_code == 403


def test_the_list_exports_csv_with_the_same_filters(mia_client, john_smith):
    services.send_sms(patient=john_smith, body="=HYPERLINK(evil)")
    response = mia_client.get(reverse("messaging:list"), {"status": "queued", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().splitlines()
    assert len(rows) == 2 and "John Smith" in rows[1] and "'=HYPERLINK(evil)" in rows[1]


def test_admin_edits_a_template(sam_client, sydney_cbd):
    template = services.default_template()
    url = reverse("messaging:settings")
    assert "Edit “Reminder (day before)”" in sam_client.get(
        url, {"template": template.pk}).content.decode()
    response = sam_client.post(url, {"form": "template", "clinic": sydney_cbd.pk,
                                     "template_pk": template.pk, "name": template.name,
                                     "body": "Hi {first_name}, see you {date} {time}.",
                                     "is_reminder": "on", "active": "on"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Hi {first_name}, see you {date} {time}."
