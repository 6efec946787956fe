"""At the desk: a paid visit that did not happen is credited from the invoice page, after a
confirmation, with a too-large amount refused beside the field first."""

import os

import pytest
from playwright.sync_api import expect

from billing import services
from conftest import browser_login
from scheduling.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def _shot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for label, size in (("desktop", {"width": 1366, "height": 900}),
                        ("tablet", {"width": 820, "height": 1180})):
        page.set_viewport_size(size)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"billing-{name}-{label}.png"),
                        full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_credit_a_paid_invoice_from_its_page(roles_applied, page, sam_owner,
                                             completed_visit, live_server):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    services.record_payment(invoice.pk, amount="75.00", method="card")
    browser_login(page, sam_owner.email)
    page.goto(live_server.url + invoice.get_absolute_url())
    credit = page.locator("#credit")
    credit.get_by_label("Amount").fill("80.00")
    credit.get_by_label("Reason").fill("Session not delivered")
    page.once("dialog", lambda d: d.accept())
    credit.get_by_role("button", name="Issue credit note").click()
    expect(page.locator("#credit")).to_contain_text("$80.00 is more than the $75.00 paid")
    _shot(page, "credit-refused")
    page.locator("#credit").get_by_label("Amount").fill("75.00")
    page.once("dialog", lambda d: d.accept())
    page.locator("#credit").get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_test_id("credited")).to_contain_text("Voided by credit")
    expect(page.locator("#credit-notes")).to_contain_text("Session not delivered")
    expect(page.get_by_test_id("credited-total")).to_have_text("−$75.00")
    _shot(page, "credited")
    assert not Appointment.objects.get(pk=completed_visit.pk).is_paid
