"""Ben opens his day, writes a diabetic foot assessment during a visit, uploads a photo, signs,
writes a letter to the referring GP and sends it; Mia sees "Note signed" but not its text."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from clinical.models import Letter, Note, Referrer
from clinical.services import save_referral
from conftest import browser_login, htmx_ready
from ncc import testing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
WIDTHS = {"desktop": 1440, "tablet": 768, "phone": 390}


def shoot(page, artefacts_dir, name, widths=("desktop", "tablet")):
    for label in widths:
        page.set_viewport_size({"width": WIDTHS[label], "height": 1000})
        page.screenshot(path=f"{artefacts_dir}/clinical-{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def wound_photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (1600, 1200), (190, 110, 100)).save(out, "JPEG")
    return out.getvalue()


@override_settings(TASKS=IMMEDIATE)
def test_ben_writes_signs_and_sends_mia_sees_only_that_it_is_signed(
        page, _playwright_browser, live_server, ben_clinician, mia_receptionist, sydney_cbd,
        review_type, artefacts_dir, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    john = testing.make_patient(sydney_cbd, "John", "Smith", alerts="Takes warfarin",
                                referring_gp="Dr Jane Lee, Harbour Medical")
    lee = Referrer.objects.create(name="Dr Jane Lee", practice="Harbour Medical",
                                  email="jlee@harbour.example")
    save_referral(actor=mia_receptionist, patient=john, kind="cdm", referrer=lee,
                  issued_on=date.today() - timedelta(days=30))
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=20)
    visit = testing.make_appointment(john, ben_clinician, sydney_cbd, review_type, start,
                                     reason="Diabetic foot check")
    other = testing.make_patient(sydney_cbd, "Ava", "Nguyen")
    testing.make_appointment(other, ben_clinician, sydney_cbd, review_type,
                             start + timedelta(minutes=40))

    # Ben lands on his day: John is next.
    browser_login(page, ben_clinician.user.email)
    page.goto("/")
    page.wait_for_url("**/clinical/my-day/")
    first = page.get_by_test_id("visit").first
    assert "John Smith" in first.inner_text() and "No note" in first.inner_text()
    shoot(page, artefacts_dir, "my-day", ("desktop", "tablet", "phone"))
    first.get_by_role("link", name="Write note").click()

    page.get_by_label("Diabetic foot assessment").check()
    page.get_by_role("button", name="Start note").click()
    page.wait_for_url("**/clinical/notes/*/")
    assert "Takes warfarin" in page.get_by_test_id("clinical-alerts").inner_text()
    htmx_ready(page.locator("#note-form"))
    page.locator('input[name="diabetes_type"][value="Type 2"]').check()
    page.locator('input[name="hba1c"]').fill("7.9")
    page.locator('input[name="monofilament_not_felt__left"][value="Hallux"]').check()
    page.locator('input[name="dp_pulse__left"][value="Absent"]').check()
    page.locator('input[name="dp_pulse__right"][value="Palpable"]').check()
    page.locator('input[name="footwear"][value="Inappropriate"]').check()
    page.locator('textarea[name="plan"]').fill("Refer for medical grade footwear.")
    page.locator("#risk-box").get_by_text("Suggested risk category: High").wait_for()
    # The autosave that carries the last change (earlier ones may still be in flight).
    with page.expect_response(lambda r: "autosave" in r.url and "risk_category=High" in (
            r.request.post_data or "")):
        page.locator('input[name="risk_category"][value="High"]').check()
    page.locator("#save-status").get_by_text("Draft saved").wait_for()
    note = Note.objects.get(appointment=visit)
    assert note.answers["plan"] == "Refer for medical grade footwear."
    shoot(page, artefacts_dir, "note-draft")

    # A wound photo, checked by content and shown as a thumbnail.
    page.locator('input[name="file"]').set_input_files(
        {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": wound_photo()})
    page.get_by_label("Description").fill("Left hallux callus")
    page.get_by_role("button", name="Upload").click()
    page.locator("#attachments img").wait_for()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign note").click()
    page.get_by_test_id("note-status").get_by_text("Note signed").wait_for()
    assert page.locator("#note-form").count() == 0
    assert "Refer for medical grade footwear." in page.get_by_test_id("note-content").inner_text()
    shoot(page, artefacts_dir, "note-signed")

    page.get_by_role("button", name="Write letter to the referrer").click()
    page.wait_for_url("**/clinical/letters/*/")
    body = page.get_by_label("Body")
    assert "Dear Dr Jane Lee" in body.input_value() and "High" in body.input_value()
    body.fill(body.input_value().replace("Please contact me", "I have fitted interim "
                                         "padding. Please contact me"))
    shoot(page, artefacts_dir, "letter")
    page.get_by_role("button", name="Send by email").click(timeout=60_000)  # PDF + email
    page.get_by_test_id("letter-status").get_by_text("Sent").wait_for(timeout=60_000)
    letter = Letter.objects.get()
    assert letter.status == "sent" and "interim padding" in letter.body
    assert mail.outbox[-1].to == ["jlee@harbour.example"]

    # Mia at reception: the visit's note is signed, its text is not hers to read.
    context = _playwright_browser.new_context(viewport={"width": 1366, "height": 900},
                                              base_url=live_server.url)
    mia = context.new_page()
    browser_login(mia, "mia@walkeasy.example")
    mia.goto(f"/clinical/notes/{note.pk}/")
    assert "Note signed" in mia.get_by_test_id("note-status").inner_text()
    text = mia.content()
    assert "Refer for medical grade footwear" not in text and "Hallux" not in text
    mia.goto(f"/clinical/patients/{john.pk}/timeline/")
    assert "Diabetic foot assessment" in mia.content() and "Refer for" not in mia.content()
    shoot(mia, artefacts_dir, "reception-timeline")
    context.close()
