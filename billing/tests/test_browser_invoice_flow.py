"""At the desk: a completed appointment is invoiced, paid by card, and shows paid everywhere."""

import os
from datetime import timedelta

import pytest

from billing import services
from billing.models import Invoice
from conftest import browser_login
from ncc import testing
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


def test_invoice_a_completed_visit_and_take_a_card_payment(
        roles_applied, page, mia_receptionist, john_smith, ben_clinician, sydney_cbd,
        review_type, completed_visit, brisbane):
    # A few other invoices so the list looks like a working day.
    kim = testing.make_patient(brisbane, "Kim", "Tan", mobile="+61412000111")
    priya = testing.make_clinician("Priya", [brisbane])
    for days, status in ((1, "completed"), (2, "completed"), (3, "no_show")):
        appt = testing.make_appointment(kim, priya, brisbane, review_type,
                                        completed_visit.starts_at - timedelta(days=days),
                                        status=status)
        invoice = services.create_invoice_for_appointment(appt.pk, confirm=True)
        if days == 1:
            services.record_payment(invoice.pk, amount="75.00", method="cash")
        if days == 3:
            services.void_invoice(invoice.pk, reason="Fee waived")

    browser_login(page, mia_receptionist.email)
    page.goto(john_smith.get_absolute_url())
    panel = page.locator("#billing-panel")
    assert "Completed, not invoiced" in panel.inner_text()
    panel.get_by_role("button", name="Create invoice").click()
    page.wait_for_url("**/invoices/*-*/")
    invoice = Invoice.objects.get(patient=john_smith)
    assert page.get_by_test_id("invoice-status").inner_text() == "Awaiting payment"
    assert page.get_by_test_id("invoice-total").inner_text() == "$75.00"
    assert "$6.82" in page.locator(".invoice-lines").inner_text()
    _shot(page, "detail-unpaid")

    payment = page.locator("section.card", has=page.get_by_role("heading", name="Record a payment"))
    payment.get_by_role("spinbutton", name="Amount").fill("75.00")
    payment.get_by_label("Method").select_option("card")
    payment.get_by_label("Reference").fill("EFTPOS 004512")
    payment.get_by_role("button", name="Record payment").click()
    page.get_by_text("Paid in full.").wait_for()
    assert page.get_by_test_id("invoice-status").inner_text() == "Paid"
    assert page.get_by_test_id("amount-due").inner_text() == "$0.00"
    assert "EFTPOS card" in page.content()
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    _shot(page, "detail-paid")

    page.get_by_role("link", name="Invoices", exact=True).click()
    page.wait_for_url("**/invoices/")
    assert invoice.number in page.locator("#results").inner_text()
    _shot(page, "list")

    page.goto(john_smith.get_absolute_url())
    assert page.get_by_test_id("patient-balance").inner_text() == "$0.00"
    _shot(page, "patient-panel")


def test_invoice_a_whole_day_from_the_day_page(roles_applied, page, mia_receptionist,
                                               john_smith, ben_clinician, ana_clinician,
                                               sydney_cbd, review_type, completed_visit):
    kim = testing.make_patient(sydney_cbd, "Kim", "Tan", mobile="+61412000111")
    testing.make_appointment(kim, ana_clinician, sydney_cbd, review_type,
                             completed_visit.starts_at, status="completed")
    testing.make_appointment(kim, ben_clinician, sydney_cbd, review_type,
                             completed_visit.starts_at + timedelta(hours=2), status="no_show")
    browser_login(page, mia_receptionist.email)
    page.goto(f"/invoices/day/?day=2026-03-03&clinic={sydney_cbd.pk}")
    button = page.get_by_role("button", name="Invoice 2 completed appointments")
    _shot(page, "day")
    button.click()
    page.get_by_text("Created 2 invoices.").wait_for()
    results = page.locator("#day-results").inner_text()
    assert results.count("Invoiced on INV-") == 2 and "No-show: not invoiced" in results
    assert Invoice.objects.count() == 2
    _shot(page, "day-done")
