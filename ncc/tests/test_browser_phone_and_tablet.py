"""Every page each role can reach works on a phone (390 x 844, touch) without sideways scrolling;
a tap on an appointment opens it and changes nothing; a finger drag on a tablet moves one.

Screenshots of the book, a patient and an invoice at 390, 768 and 1440 px go to
var/test-artefacts/ to look at."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from conftest import browser_login
from ncc import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1440, "height": 900}
# Links the crawl must not follow: they leave the app, sign out, download, or start an OAuth dance.
SKIP = re.compile(r"^/(admin|api|static|media)/|logout|/export|\.csv|\.pdf|/connect|/download|"
                  r"/receipt")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")


def _context(browser, live_server, viewport, touch):
    return browser.new_context(viewport=viewport, has_touch=touch, is_mobile=viewport is PHONE,
                               base_url=live_server.url, locale="en-AU",
                               timezone_id="Australia/Sydney")


def _overflow(page) -> int:
    """How far the page is wider than the phone (0 = no sideways scrolling). innerWidth is not the
    yardstick on a mobile viewport: Chromium widens the layout viewport to fit what overflows."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def _crawl(page, start: list[str], limit: int = 45) -> dict[str, int]:
    """Visit the menu's pages and every page linked from them (one of each URL shape)."""
    seen_shapes, visited, queue = set(), {}, list(start)
    while queue and len(visited) < limit:
        url = queue.pop(0)
        shape = ID.sub("N", url.split("?")[0])
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        visited[url] = _overflow(page)
        for href in page.eval_on_selector_all("a[href^='/']", "els => els.map(a => a.getAttribute('href'))"):
            href = href.split("#")[0]
            if not SKIP.search(href) and ID.sub("N", href.split("?")[0]) not in seen_shapes:
                queue.append(href)
    return visited


@pytest.fixture
def demo_practice(db):
    from clinical.models import NoteTemplate
    from clinical.shipped import install

    install(NoteTemplate)  # a transactional test's flush removed the shipped note templates
    demo.seed(patients=60, weeks=1)


@pytest.mark.parametrize("email", list(demo.FEATURED_LOGINS.values()))
def test_every_page_a_role_reaches_fits_a_phone(demo_practice, _playwright_browser, live_server,
                                                email):
    context = _context(_playwright_browser, live_server, PHONE, touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, email, demo.DEMO_PASSWORD)
    menu = page.eval_on_selector_all("#main-nav a", "els => els.map(a => a.getAttribute('href'))")
    assert len(menu) >= 3
    visited = _crawl(page, menu)
    assert len(visited) >= 8, visited
    too_wide = {url: px for url, px in visited.items() if px > 0}
    assert not too_wide, f"pages wider than 390 px (by px): {too_wide}"
    assert not errors
    context.close()


def test_phone_header_is_a_menu_and_the_book_is_one_clinicians_agenda(demo_practice,
                                                                      _playwright_browser,
                                                                      live_server):
    context = _context(_playwright_browser, live_server, PHONE, touch=True)
    page = context.new_page()
    browser_login(page, "mia.rossi@walkeasy.example", demo.DEMO_PASSWORD)
    page.goto("/book/")
    nav = page.locator("#main-nav")
    assert not nav.is_visible()
    page.get_by_role("button", name="Menu").tap()
    assert nav.get_by_role("link", name="Patients").is_visible()
    assert nav.get_by_role("button", name="Log out").is_visible()
    page.get_by_role("button", name="Menu").tap()
    # One column at a time, the whole width; the picker switches clinician.
    assert page.locator(".book-col:visible").count() == 1
    picker = page.get_by_label("Clinician")
    options = picker.locator("option").all_inner_texts()
    assert len(options) > 1
    second = picker.locator("option").nth(1).get_attribute("value")
    picker.select_option(second)
    visible = page.locator(".book-col:visible")
    assert visible.count() == 1 and visible.get_attribute("data-clinician") == second
    assert visible.bounding_box()["width"] > 250
    assert _overflow(page) <= 0
    context.close()


def _booked_today(clinic_name="Sydney CBD"):
    from clinics.models import Clinic
    from scheduling.models import Appointment, AppointmentStatus

    clinic = Clinic.objects.get(short_name=clinic_name)
    today = timezone.localdate(timezone=clinic.tz)
    start = datetime.combine(today, time.min, tzinfo=clinic.tz)
    return clinic, (Appointment.objects.filter(clinic=clinic, starts_at__gte=start,
                                               starts_at__lt=start + timedelta(days=1))
                    .exclude(status=AppointmentStatus.CANCELLED).order_by("starts_at"))


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_a_tap_on_an_appointment_opens_it_and_changes_nothing(demo_practice, _playwright_browser,
                                                              live_server, viewport):
    from scheduling.models import Appointment

    clinic, todays = _booked_today()
    appointment = todays.filter(status__in=["booked", "confirmed", "arrived"]).first()
    assert appointment is not None
    before = {a.pk: (a.status, a.starts_at, a.clinician_id) for a in Appointment.objects.all()}
    context = _context(_playwright_browser, live_server, viewport, touch=True)
    page = context.new_page()
    browser_login(page, "mia.rossi@walkeasy.example", demo.DEMO_PASSWORD)
    page.goto(f"/book/?date={timezone.localdate(timezone=clinic.tz).isoformat()}")
    if viewport is PHONE:
        page.get_by_label("Clinician").select_option(str(appointment.clinician_id))
    block = page.locator(f'.appt[data-id="{appointment.pk}"]')
    block.scroll_into_view_if_needed()
    assert page.locator(".appt-quick:visible").count() == 0  # no status button under a finger
    block.tap()
    dialog = page.locator("#dialog .appt-detail")
    dialog.wait_for()
    assert page.locator("#dialog-title").inner_text() == appointment.patient.display_name
    page.locator("#dialog [data-close-dialog]").tap()
    after = {a.pk: (a.status, a.starts_at, a.clinician_id) for a in Appointment.objects.all()}
    assert after == before
    context.close()


def test_a_finger_drag_on_a_tablet_moves_an_appointment(sydney_cbd, mia_receptionist, ben_clinician,
                                                        john_smith, review_type,
                                                        _playwright_browser, live_server):
    from ncc import testing

    day = timezone.localdate(timezone=sydney_cbd.tz) + timedelta(days=1)  # not in the past
    eleven = datetime.combine(day, time(11), tzinfo=sydney_cbd.tz)
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           eleven)
    context = _context(_playwright_browser, live_server, TABLET, touch=True)
    page = context.new_page()
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={day.isoformat()}&focus={appointment.pk}")
    box = page.locator(f'.appt[data-id="{appointment.pk}"]').bounding_box()
    ppm = float(page.locator(".book").get_attribute("data-ppm"))
    x, y = box["x"] + box["width"] / 2, box["y"] + 8
    cdp = context.new_cdp_session(page)

    def touch(kind, py=None):
        points = [] if py is None else [{"x": x, "y": py, "id": 1}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", y)  # finger down, slide an hour later, lift
    for step in range(1, 13):
        touch("touchMove", y + 60 * ppm * step / 12)
    touch("touchEnd")
    page.locator("#book-flash .book-msg").wait_for()
    assert "Moved John Smith" in page.locator("#book-flash").inner_text()
    appointment.refresh_from_db()
    assert appointment.local_starts_at.time() == time(12)
    context.close()
