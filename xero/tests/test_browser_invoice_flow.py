"""In the browser with the fake Xero: complete a visit in the book, invoice it from its dialog,
see it reach Xero, pay it in Xero, and see the paid badge in the book after the sweep (one
worker cycle)."""

import pytest

from billing.models import Invoice
from billing.tests.test_browser_invoice_flow import _shot
from conftest import browser_login
from scheduling.models import Appointment
from xero.models import XeroItemMapping, XeroTrackingMapping
from xero.tasks import xero_invoice_sweep
from xero.tests.conftest import connect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invoice_goes_to_xero_and_a_payment_there_marks_it_paid(
        roles_applied, page, fake_xero, mia_receptionist, sam_owner, john_smith,
        sydney_cbd, review_type, completed_visit):
    connect(fake_xero, sam_owner)
    XeroItemMapping.objects.create(appointment_type=review_type, account_code="200",
                                   tax_type="OUTPUT")
    category = fake_xero.org.tracking[0]
    option = next(o for o in category["Options"] if o["Name"] == "Sydney CBD")
    XeroTrackingMapping.objects.create(
        clinic=sydney_cbd, category_id=category["TrackingCategoryID"],
        category_name=category["Name"], option_id=option["TrackingOptionID"],
        option_name=option["Name"])

    Appointment.objects.filter(pk=completed_visit.pk).update(status="arrived")
    day = completed_visit.local_starts_at.date().isoformat()
    browser_login(page, mia_receptionist.email)
    page.goto(f"/book/?date={day}")
    block = page.locator(f'.appt[data-id="{completed_visit.pk}"]')
    block.get_by_role("button", name="Mark John Smith completed").click()
    page.locator(f'.appt[data-id="{completed_visit.pk}"].st-completed').wait_for()
    page.locator(f'.appt[data-id="{completed_visit.pk}"]').click()
    page.locator("#dialog").get_by_role("button", name="Create invoice").click()
    page.wait_for_url("**/invoices/*-*/")
    invoice = Invoice.objects.get(patient=john_smith)
    xero_card = page.locator("#xero-status")
    assert "Not sent to Xero yet" in xero_card.inner_text()
    xero_card.get_by_role("button", name="Send to Xero now").click()
    page.get_by_text(f"{invoice.number} is in Xero.").wait_for()
    assert "In Xero" in page.locator("#xero-status").inner_text()
    [copy] = fake_xero.invoices()
    assert copy["InvoiceNumber"] == invoice.number and copy["Total"] == 75.0
    assert copy["LineItems"][0]["Tracking"] == [{"Name": "Location", "Option": "Sydney CBD"}]
    _shot(page, "detail-in-xero")

    fake_xero.pay(invoice.number)  # the bookkeeper records it in Xero
    xero_invoice_sweep.call()  # one worker cycle of the periodic sweep
    page.reload()
    assert page.get_by_test_id("invoice-status").inner_text() == "Paid"
    assert "Recorded in Xero" in page.content()
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid
    _shot(page, "detail-paid-in-xero")
    page.goto(f"/book/?date={day}")
    badges = page.locator(f'.appt[data-id="{completed_visit.pk}"] .appt-l2').inner_text()
    assert "Paid" in badges and "Xero" in badges
    _shot(page, "book-paid-in-xero")
