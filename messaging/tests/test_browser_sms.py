"""In a real browser: text a patient from their page and watch the fake gateway's receipt mark it
delivered; the SMS pages at desktop and tablet width."""

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login
from messaging import services
from messaging.models import ClinicSMSSettings, ReminderRule, SMSMessage, SMSStatus
from ncc import testing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def test_send_from_the_patient_page_and_see_it_delivered(page, fake_smsb_live, mia_receptionist,
                                                         john_smith):
    fake_smsb_live.auto_receipt = True
    browser_login(page, "mia@walkeasy.example")
    page.goto(john_smith.get_absolute_url())
    panel = page.locator("#sms-panel")
    panel.get_by_label("Text John").fill("Hi John, your orthotics are ready to collect.")
    expect(panel.locator(".sms-counter")).to_contain_text("45 characters · 1 SMS part")
    panel.get_by_role("button", name="Send SMS").click()
    expect(page.locator(".msg-success")).to_contain_text("on its way")
    panel.get_by_role("link", name="Conversation").click()
    bubble = page.locator(".sms-out").first
    expect(bubble).to_contain_text("orthotics are ready")
    expect(bubble.locator("[data-status]")).to_have_attribute("data-status", "delivered")
    sent = fake_smsb_live.messages
    assert len(sent) == 1 and sent[0].receipts == ["Delivered"]
    message = SMSMessage.objects.get()
    assert message.status == SMSStatus.DELIVERED and message.gateway_ref == sent[0].smsref


def test_live_count_switches_to_unicode_and_warns_over_the_limit(page, mia_receptionist,
                                                                john_smith, sydney_cbd):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, segment_limit=1)
    services.default_template()
    browser_login(page, "mia@walkeasy.example")
    page.goto(f"/sms/patient/{john_smith.pk}/")
    box = page.get_by_label("Message to John")
    page.get_by_label("Start from a template").select_option(label="Reminder (day before)")
    expect(box).to_have_value(re.compile(r"^Hi John, reminder: Walk Easy Sydney CBD"))
    box.fill("See you soon 🙂")
    counter = page.locator("#sms-count .sms-counter")
    expect(counter).to_contain_text("Unicode")
    box.fill("x" * 161)
    expect(counter).to_contain_text("2 SMS parts")
    expect(counter).to_have_class("sms-counter muted small sms-over")


def _seed(sydney_cbd, john_smith, ben_clinician, review_type):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, low_balance_warning=2000)
    ReminderRule.objects.create(clinic=sydney_cbd, template=services.default_template())
    starts = timezone.now() + timezone.timedelta(days=1)
    appt = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, starts)
    body = services.render(services.default_template().body, patient=john_smith,
                           appointment=appt)
    out = dict(patient=john_smith, clinic=sydney_cbd, number=john_smith.mobile, sender="WalkEasy")
    reminder = SMSMessage.objects.create(body=body, kind="reminder", appointment=appt,
                                         status=SMSStatus.DELIVERED,
                                         delivered_at=timezone.now(), **out)
    SMSMessage.objects.create(direction="in", kind="reply", status="received", body="Y",
                              action="confirmed", in_reply_to=reminder, appointment=appt,
                              **out)
    SMSMessage.objects.create(body="Your orthotics are ready to collect from reception.",
                              status=SMSStatus.UNKNOWN, error="SMS Broadcast did not answer in "
                              "time. It may or may not have been sent; it will not be resent "
                              "automatically.", **out)
    SMSMessage.objects.create(direction="in", kind="reply", status="received", read=False,
                              body="Can I come at 3 instead? Running late from work",
                              **out)
    kim = testing.make_patient(sydney_cbd, "Kim", "Tan", mobile="0422 333 444")
    SMSMessage.objects.create(direction="in", kind="reply", status="received", read=False,
                              body="N", action="call_back", patient=kim, clinic=sydney_cbd,
                              number=kim.mobile)
    SMSMessage.objects.create(patient=kim, clinic=sydney_cbd, number=kim.mobile, body="Hi Kim",
                              status=SMSStatus.FAILED, error="SMS Broadcast rejected the "
                              "number: Invalid Number")


def test_screenshots_of_the_sms_pages(page, sam_owner, sydney_cbd, john_smith, ben_clinician,
                                      review_type):
    _seed(sydney_cbd, john_smith, ben_clinician, review_type)
    os.makedirs(SCREENS, exist_ok=True)
    browser_login(page, "sam@walkeasy.example")
    pages = {"sms-patient-panel": john_smith.get_absolute_url(),
             "sms-conversation": f"/sms/patient/{john_smith.pk}/",
             "sms-inbox": "/sms/", "sms-list": "/sms/messages/",
             "sms-settings": "/sms/settings/"}
    for width, height, suffix in ((1366, 900, "desktop"), (820, 1180, "tablet")):
        page.set_viewport_size({"width": width, "height": height})
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            page.screenshot(path=os.path.join(SCREENS, f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})  # the side menu shows the badge
    page.goto("/sms/")
    expect(page.get_by_role("link", name="SMS 1")).to_be_visible()  # Kim's N waits; John's reply was read


def test_a_person_settles_unknown_messages_from_the_message_log(
        page, mia_receptionist, john_smith, sydney_cbd, artefacts_dir):
    out = dict(patient=john_smith, clinic=sydney_cbd, number=john_smith.mobile, sender="WalkEasy",
               status=SMSStatus.UNKNOWN, error="The connection to SMS Broadcast broke before it "
               "answered. It may or may not have been sent; it will not be resent automatically.")
    arrived = SMSMessage.objects.create(body="Your orthotics are ready to collect.", **out)
    lost = SMSMessage.objects.create(body="Reminder: bring your old shoes tomorrow.", **out)
    browser_login(page, "mia@walkeasy.example")
    page.goto("/sms/messages/?status=unknown")
    for width in (390, 768, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(artefacts_dir, f"sms-unknown-list-{width}.png"),
                        full_page=True)
    row = page.locator("tr", has_text="orthotics are ready")
    row.get_by_role("button", name="It was delivered").click()
    expect(page.locator(".msg-success")).to_contain_text("Marked as delivered")
    assert SMSMessage.objects.get(pk=arrived.pk).status == SMSStatus.DELIVERED

    page.locator("tr", has_text="bring your old shoes").get_by_role(
        "link", name="Send again").click()
    expect(page.locator(".warning-box")).to_contain_text("may get this message twice")
    for width in (390, 768, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(artefacts_dir, f"sms-resend-confirm-{width}.png"),
                        full_page=True)
    page.get_by_role("button", name="Send again: they may get two").click()
    expect(page.locator(".msg-success")).to_contain_text("Sent again")
    assert page.url.endswith("/sms/messages/?status=unknown")
    again = SMSMessage.objects.get(resend_of=lost)
    assert again.body == lost.body and again.status in (SMSStatus.QUEUED, SMSStatus.SENT)
    expect(page.locator("tr", has_text="bring your old shoes")).not_to_contain_text("Send again")
