"""The demo practice's book at desktop and tablet width: screenshots to look at, and a check that
the demo clinicians (who have no WorkingHours rows) are shown as working their clinic's hours."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import browser_login, htmx_ready
from ncc import demo
from patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def _open_day(clinic):
    day = timezone.localdate(timezone=clinic.tz)
    while not clinic.opening_hours.filter(weekday=day.weekday()).exists():
        day += timedelta(days=1)
    return day


def test_demo_day_and_week_at_desktop_and_tablet(page, artefacts_dir):
    demo.seed(patients=120, weeks=1)
    from clinics.models import Clinic
    clinic = Clinic.objects.get(short_name="Sydney CBD")
    day = _open_day(clinic)
    os.makedirs(SCREENS, exist_ok=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "mia.rossi@walkeasy.example", demo.DEMO_PASSWORD)
    page.goto(f"/book/?date={day.isoformat()}")
    cols = page.locator(".book-col")
    assert cols.count() == clinic.clinicians.filter(active=True).count()
    assert page.locator(".appt").count() > 10
    assert page.locator(".appt:not(.short) .appt-time").first.is_visible()  # time · type line
    page.screenshot(path=f"{SCREENS}/book-day-desktop.png")
    page.screenshot(path=f"{artefacts_dir}/book-day-demo.png")
    page.locator(".appt").first.click()
    page.locator("#dialog .appt-detail").wait_for()
    page.screenshot(path=f"{SCREENS}/book-appointment-dialog.png")
    page.keyboard.press("Escape")
    # The demo's slots are mostly taken; the toolbar button opens the same dialog.
    page.get_by_role("button", name="+ New appointment").click()
    page.locator("#dialog").get_by_role("heading", name="New appointment").wait_for()
    someone = Patient.objects.filter(archived=False).order_by("number").first()
    htmx_ready(page.locator("#dialog").get_by_label("Patient")).fill(someone.last_name[:3])
    page.locator("#dialog .result").first.wait_for()
    page.screenshot(path=f"{SCREENS}/book-new-dialog.png")
    # Inline new patient: typing someone already on file warns before saving.
    existing = Patient.objects.filter(archived=False).order_by("number").first()
    dialog = page.locator("#dialog")
    dialog.get_by_role("button", name="New patient").click()
    dialog.get_by_label("First name").fill(existing.first_name)
    dialog.get_by_label("Last name").fill(existing.last_name)
    dialog.get_by_label("Date of birth").fill(existing.date_of_birth.isoformat())
    dialog.get_by_label("Date of birth").press("Tab")
    dialog.locator("#duplicate-warning").wait_for()
    page.screenshot(path=f"{SCREENS}/book-new-patient-duplicate.png")
    page.keyboard.press("Escape")
    page.goto(f"/book/?view=week&date={day.isoformat()}")
    assert page.locator(".book-col").count() == 7
    page.screenshot(path=f"{SCREENS}/book-week-desktop.png")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"/book/?date={day.isoformat()}")
    page.screenshot(path=f"{SCREENS}/book-day-tablet.png")
    page.goto(f"/book/?view=week&date={day.isoformat()}")
    page.screenshot(path=f"{SCREENS}/book-week-tablet.png")
    assert errors == []
