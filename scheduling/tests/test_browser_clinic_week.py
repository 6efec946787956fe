"""The clinic's week in a browser: lanes per clinician at desktop and tablet width, the arrow keys
keep "All clinicians", and a click in a lane books with that lane's clinician."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import browser_login
from ncc import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def test_clinic_week_at_desktop_and_tablet(page):
    demo.seed(patients=60, weeks=1)
    from clinics.models import Clinic
    clinic = Clinic.objects.get(short_name="Sydney CBD")
    day = timezone.localdate(timezone=clinic.tz)
    os.makedirs(SCREENS, exist_ok=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "mia.rossi@walkeasy.example", demo.DEMO_PASSWORD)

    page.goto(f"/book/?view=week&date={day.isoformat()}")
    assert page.locator("#week-clinician").input_value() == "all"
    assert page.locator(".book-col").count() == 7
    lanes = page.locator(".book-col").first.get_attribute("data-lanes").split(",")
    assert len(lanes) == clinic.clinicians.filter(active=True).count() > 1
    assert page.locator(".book-legend li").count() == len(lanes)
    assert page.locator(".appt .appt-who").count() > 10
    page.screenshot(path=f"{SCREENS}/book-clinic-week-desktop.png")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    page.screenshot(path=f"{SCREENS}/book-clinic-week-tablet.png")
    page.set_viewport_size({"width": 1366, "height": 900})

    # Keyboard: → goes to next week and stays on the whole clinic.
    page.locator(".book-title").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: "clinician=all" in url
                      and (day + timedelta(days=7 - day.weekday())).isoformat() in url)
    assert page.locator("#week-clinician").input_value() == "all"

    # A click in the second lane of an empty day (weeks after the demo's) books for that lane's clinician.
    page.goto(f"/book/?view=week&date={(day + timedelta(days=70)).isoformat()}&clinician=all")
    col = page.locator(".book-col:not(.closed)").first
    lanes = col.get_attribute("data-lanes").split(",")
    box = col.bounding_box()
    slot = col.locator(".slot").nth(8).bounding_box()
    x, y = box["x"] + box["width"] * 1.5 / len(lanes), slot["y"] + slot["height"] / 2
    page.mouse.click(x, y)
    dialog = page.locator("#dialog")
    dialog.get_by_role("heading", name="New appointment").wait_for()
    assert dialog.locator("[name=clinician]").input_value() == lanes[1]
    page.keyboard.press("Escape")

    # The picker narrows to one clinician: one column per day again, no lanes.
    page.locator("#week-clinician").select_option(lanes[0])
    page.wait_for_url(lambda url: f"clinician={lanes[0]}" in url)
    assert page.locator(".book-col[data-lanes]").count() == 0
    assert errors == []
