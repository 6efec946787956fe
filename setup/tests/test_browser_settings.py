"""Sam runs the practice from Settings in a real browser: invites a receptionist who sets her
password from the email link, and creates an appointment type priced per clinic that Mia then
books at both clinics. Screenshots of each settings page at 390, 768 and 1440 px go to
var/test-artefacts/."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from billing import services as billing
from conftest import browser_login, htmx_ready
from ncc import testing
from scheduling.models import Appointment, AppointmentType
from scheduling.tests.factories import future_monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 768, 1440)


def test_invited_receptionist_sets_a_password_from_the_email_link(page, sam_owner, sydney_cbd):
    browser_login(page, sam_owner.email)
    page.goto("/settings/")
    page.get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="+ Invite staff").click()
    page.get_by_label("First name").fill("Ruby")
    page.get_by_label("Last name").fill("Nguyen")
    page.get_by_label("Email").fill("ruby@walkeasy.example")
    page.get_by_label("Role").select_option("receptionist")
    page.get_by_label("Home clinic").select_option(str(sydney_cbd.pk))
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to ruby@walkeasy.example").wait_for()
    row = page.locator("tr", has_text="ruby@walkeasy.example")
    assert "Invited" in row.inner_text()
    assert "pbkdf2" not in page.content() and "md5$" not in page.content()
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/settings/invite/\S+/", mail.outbox[0].body).group(0)
    page.get_by_role("button", name="Log out").click()

    page.goto(link)
    page.get_by_role("heading", name="Choose your password").wait_for()
    page.locator("#id_new_password1").fill("Heel-and-toe-2026")
    page.locator("#id_new_password2").fill("Heel-and-toe-2026")
    page.get_by_role("button", name="Set password").click()
    page.get_by_text("Your password is set").wait_for()
    browser_login(page, "ruby@walkeasy.example", "Heel-and-toe-2026")
    assert page.get_by_role("link", name="Book").count() >= 1
    # The link works once.
    page.get_by_role("button", name="Log out").first.click()
    page.goto(link)
    page.get_by_role("heading", name="This link has been used").wait_for()


def test_type_priced_per_clinic_is_booked_at_both_clinics(page, sam_owner, sydney_cbd, brisbane,
                                                          mia_receptionist, john_smith):
    ben = testing.make_clinician("Ben", [sydney_cbd, brisbane])
    browser_login(page, sam_owner.email)
    page.goto("/settings/types/")
    page.get_by_role("link", name="+ New appointment type").click()
    page.get_by_label("Name").fill("Nail surgery")
    page.get_by_label("Default duration (minutes)").fill("45")
    page.get_by_label("Standard price").fill("210.00")
    page.get_by_label("Price at Sydney CBD").fill("245.00")
    page.get_by_label("Price at Brisbane").fill("-5")
    page.get_by_label("Item number").fill("F1205")
    page.get_by_role("button", name="Save").click()
    # Validation beside the field; nothing saved.
    field = page.locator(".field.has-error", has=page.get_by_label("Price at Brisbane"))
    assert "greater than or equal to 0" in field.inner_text()
    assert not AppointmentType.objects.filter(name="Nail surgery").exists()
    page.get_by_label("Price at Brisbane").fill("")
    page.locator("label.choice", has_text="Ben").locator("input").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Nail surgery saved.").wait_for()
    kind = AppointmentType.objects.get(name="Nail surgery")
    assert kind.price_at(sydney_cbd) == Decimal("245.00")
    assert kind.price_at(brisbane) == Decimal("210.00")
    assert list(kind.clinicians.all()) == [ben]

    page.get_by_role("button", name="Log out").click()
    browser_login(page, mia_receptionist.email)
    monday = future_monday()
    for clinic in (sydney_cbd, brisbane):
        page.goto("/book/")
        with page.expect_navigation():
            page.locator("#clinic-switch").select_option(str(clinic.pk))
        page.goto(f"/book/?date={monday.isoformat()}")
        page.locator(f'.book-col[data-clinician="{ben.pk}"] .slot[data-m="600"]').click()
        dialog = page.locator("#dialog")
        dialog.get_by_role("heading", name="New appointment").wait_for()
        htmx_ready(dialog.get_by_label("Patient")).fill("smi")
        dialog.locator(".result", has_text="Smith").click()
        dialog.locator(".picked", has_text="John Smith").wait_for()
        dialog.get_by_label("Type").select_option(str(kind.pk))
        dialog.get_by_role("button", name="Book", exact=True).click()
        page.locator("#book-flash", has_text="Booked John Smith").wait_for()
    booked = {a.clinic_id: a for a in Appointment.objects.filter(appointment_type=kind)}
    assert set(booked) == {sydney_cbd.pk, brisbane.pk}
    for a in booked.values():
        assert a.local_starts_at.hour == 10 and (a.ends_at - a.starts_at).seconds == 45 * 60
    prices = {clinic_id: billing.create_invoice_for_appointment(a.pk, actor=sam_owner).total
              for clinic_id, a in booked.items()}
    assert prices == {sydney_cbd.pk: Decimal("245.00"), brisbane.pk: Decimal("210.00")}


@pytest.mark.parametrize("width", WIDTHS)
def test_settings_pages_fit_and_are_screenshotted(_playwright_browser, live_server, sam_owner,
                                                  sydney_cbd, ben_clinician, review_type,
                                                  artefacts_dir, width):
    context = _playwright_browser.new_context(viewport={"width": width, "height": 900},
                                              has_touch=width < 1000, is_mobile=width == 390,
                                              base_url=live_server.url, locale="en-AU")
    page = context.new_page()
    browser_login(page, sam_owner.email)
    pages = {"index": "/settings/", "practice": "/settings/practice/",
             "clinics": "/settings/clinics/", "clinic": f"/settings/clinics/{sydney_cbd.pk}/",
             "clinicians": "/settings/clinicians/",
             "clinician": f"/settings/clinicians/{ben_clinician.pk}/",
             "types": "/settings/types/", "type": f"/settings/types/{review_type.pk}/",
             "staff": "/settings/staff/", "staff-member": f"/settings/staff/{sam_owner.pk}/",
             "invite": "/settings/staff/invite/"}
    for name, url in pages.items():
        assert page.goto(url).status == 200, url
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
        page.screenshot(path=f"{artefacts_dir}/settings-{name}-{width}.png", full_page=True)
    context.close()


def test_changing_a_roster_changes_the_book(page, sam_owner, sydney_cbd, ben_clinician,
                                            artefacts_dir):
    monday = future_monday()
    browser_login(page, sam_owner.email)
    page.goto(f"/book/?date={monday.isoformat()}")
    column = page.locator(f'.book-col[data-clinician="{ben_clinician.pk}"]')
    assert column.locator(".shade").count() == 0  # no roster: the clinic's opening hours
    page.goto("/settings/clinicians/")
    page.locator("tr", has_text="Ben").get_by_role("link", name="Roster").click()
    page.get_by_label("Monday (Every week)").fill("9:00-12:00, 1pm-3pm")
    page.get_by_role("button", name="Save roster").click()
    page.get_by_text("Roster of Ben").wait_for()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{artefacts_dir}/settings-roster-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/book/?date={monday.isoformat()}")
    shades = column.locator(".shade")
    assert shades.count() == 3  # before 9, the lunch break, after 3
    ppm = float(page.locator(".book").get_attribute("data-ppm"))
    tops = sorted(round(float(s.evaluate("e => e.offsetTop")) / ppm) for s in shades.all())
    assert tops == [0, 4 * 60, 7 * 60]  # 8:00, 12:00 and 3:00 pm on a grid starting at 8
