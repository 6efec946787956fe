"""Mia works the book in a real browser: books from an empty slot, drags to reschedule, cancels
with a reason and marks a patient arrived. Each ends with the book showing the new state."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conftest import browser_login, htmx_ready
from ncc import testing
from scheduling.models import Appointment

from .factories import at, future_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def monday():
    return future_monday()


def _col(page, clinician):
    return page.locator(f'.book-col[data-clinician="{clinician.pk}"]')


def test_book_from_an_empty_slot(page, mia_receptionist, ben_clinician, john_smith, review_type,
                                 monday, artefacts_dir):
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    _col(page, ben_clinician).locator('.slot[data-m="600"]').click()  # 10:00
    dialog = page.locator("#dialog")
    dialog.get_by_role("heading", name="New appointment").wait_for()
    htmx_ready(dialog.get_by_label("Patient")).fill("smi")
    dialog.locator(".result", has_text="Smith").click()
    dialog.locator(".picked", has_text="John Smith").wait_for()
    assert dialog.get_by_label("Start").input_value() == "10:00"
    dialog.get_by_role("button", name="Book", exact=True).click()
    page.locator("#book-flash", has_text="Booked John Smith").wait_for()
    block = _col(page, ben_clinician).locator(".appt", has_text="John Smith")
    expect(block).to_contain_text("10:00–10:30 am")
    assert not dialog.is_visible()
    page.screenshot(path=f"{artefacts_dir}/book-day-after-booking.png")
    a = Appointment.objects.get()
    assert a.clinician == ben_clinician and a.local_starts_at.hour == 10


def test_drag_to_reschedule(page, mia_receptionist, sydney_cbd, ben_clinician, ana_clinician,
                            john_smith, review_type, monday, artefacts_dir):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    block = page.locator(f'.appt[data-id="{a.pk}"]')
    src = block.bounding_box()
    target = _col(page, ana_clinician).locator('.slot[data-m="690"]')  # 11:30
    target.scroll_into_view_if_needed()
    src = block.bounding_box()
    dst = target.bounding_box()
    page.mouse.move(src["x"] + 20, src["y"] + 5)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(src["x"] + 20 + (dst["x"] + 20 - src["x"] - 20) * i / 10,
                        src["y"] + 5 + (dst["y"] + 5 - src["y"] - 5) * i / 10)
    page.mouse.up()
    page.locator("#book-flash", has_text="Moved John Smith").wait_for()
    # The grid reloads from the server: the real block (not the drag ghost) is in Ana's column.
    expect(_col(page, ben_clinician).locator(".appt")).to_have_count(0)
    moved = _col(page, ana_clinician).locator(f'.appt:not(.ghost)[data-id="{a.pk}"]')
    expect(moved).to_contain_text("11:30 am–12:00 pm")
    page.screenshot(path=f"{artefacts_dir}/book-day-after-drag.png")
    a.refresh_from_db()
    assert a.clinician == ana_clinician and a.local_starts_at.strftime("%H:%M") == "11:30"


def test_cancel_with_a_reason(page, mia_receptionist, sydney_cbd, ben_clinician, john_smith,
                              review_type, monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    page.locator(f'.appt[data-id="{a.pk}"]').click()
    dialog = page.locator("#dialog")
    dialog.get_by_role("heading", name="John Smith").wait_for()
    dialog.get_by_role("button", name="Cancel appointment").click()
    dialog.get_by_text("Give a reason for cancelling.").wait_for()
    dialog.get_by_label("Reason for cancelling").fill("Patient unwell")
    dialog.get_by_role("button", name="Cancel appointment").click()
    page.locator("#book-flash", has_text="Cancelled John Smith").wait_for()
    page.locator(f'.appt[data-id="{a.pk}"]').wait_for(state="detached")
    page.get_by_role("switch", name=re.compile("Show cancelled")).click()
    expect(page.locator(f'.appt[data-id="{a.pk}"] .status:visible')).to_have_text("Cancelled")
    a.refresh_from_db()
    assert a.status == "cancelled" and a.cancellation_reason == "Patient unwell"


def test_mark_arrived_in_one_click(page, mia_receptionist, sydney_cbd, ben_clinician, john_smith,
                                   review_type, monday, artefacts_dir):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    block = page.locator(f'.appt[data-id="{a.pk}"]')
    block.hover()
    block.get_by_role("button", name="Mark John Smith arrived").click()
    page.locator(f'.appt.st-arrived[data-id="{a.pk}"]').wait_for()
    expect(page.locator(f'.appt[data-id="{a.pk}"] .status:visible')).to_have_text("Arrived")
    assert not page.locator("#dialog").is_visible()
    page.screenshot(path=f"{artefacts_dir}/book-day.png")
    a.refresh_from_db()
    assert a.status == "arrived"


def test_keyboard_edit_form_reschedules(page, mia_receptionist, sydney_cbd, ben_clinician,
                                        john_smith, review_type, monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    page.locator(f'.appt[data-id="{a.pk}"]').focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#dialog")
    dialog.get_by_role("heading", name="John Smith").wait_for()
    dialog.get_by_label("Start").fill("14:15")
    dialog.get_by_role("button", name="Save", exact=True).click()
    page.locator("#book-flash", has_text="Saved John Smith").wait_for()
    expect(page.locator(f'.appt[data-id="{a.pk}"]')).to_contain_text("2:15–2:45 pm")
    a.refresh_from_db()
    assert a.local_starts_at.strftime("%H:%M") == "14:15"
    assert a.ends_at - a.starts_at == timedelta(minutes=30)
