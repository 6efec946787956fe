"""At the front desk, end to end in Chromium: complete a visit still marked Arrived from the
close-the-day page, invoice it, add a cream, take the Bupa benefit through HICAPS and the gap in
cash, print the receipt, then count the till and sign the day off. Screenshots at phone, tablet
and desktop widths go to var/test-artefacts/."""

import os
from datetime import datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import DayEnd, Invoice, Product, ProductStock
from clinics.models import Practice, ProviderNumber
from conftest import browser_login
from ncc import testing
from scheduling.models import AppointmentType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 768, "desktop": 1440}


def _shots(page, artefacts_dir, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(artefacts_dir, f"money-{name}-{label}.png"),
                        full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_complete_invoice_add_product_take_benefit_and_gap_print_receipt_close_day(
        roles_applied, page, mia_receptionist, ben_clinician, sydney_cbd, john_smith,
        live_server, artefacts_dir):
    Practice.objects.create(name="Walk Easy Podiatry", abn="51 824 753 556",
                            receipt_note="Keep this receipt for your health fund.")
    ProviderNumber.objects.create(clinician=ben_clinician, clinic=sydney_cbd, number="2426011A")
    consult = AppointmentType.objects.create(name="Podiatry consultation", duration_minutes=30,
                                             price=Decimal("95.00"), item_number="F1203")
    cream = Product.objects.create(code="UREA-25", name="Urea heel balm", price=Decimal("22.00"),
                                   track_stock=True, low_stock_at=1)
    ProductStock.objects.create(product=cream, clinic=sydney_cbd, quantity=5)
    today = timezone.localdate(timezone=sydney_cbd.tz)
    visit = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, consult,
                                     datetime.combine(today, time(0, 15), tzinfo=sydney_cbd.tz),
                                     status="arrived")

    page.set_default_timeout(60_000)  # a busy CI machine; no step waits this long when idle
    browser_login(page, mia_receptionist.email)
    page.goto(f"/invoices/close-day/?clinic={sydney_cbd.pk}")
    still_open = page.locator("#still-open")
    expect(still_open).to_contain_text("John Smith")
    still_open.get_by_role("button", name="Completed").click()
    expect(page.locator("#still-open")).to_contain_text("every visit has an outcome")
    page.locator("#not-invoiced").get_by_role("button", name="Create invoice").click()
    page.wait_for_url("**/invoices/*/")
    invoice = Invoice.objects.get()
    expect(page.get_by_test_id("invoice-total")).to_have_text("$95.00")
    expect(page.locator(".invoice-lines")).to_contain_text("GST-free")

    add = page.locator("#add-product")
    add.get_by_label("Product").select_option(label=str(cream))
    add.get_by_role("button", name="Add product").click()
    expect(page.get_by_test_id("invoice-total")).to_have_text("$117.00")
    expect(page.locator(".invoice-lines")).to_contain_text("Urea heel balm")
    assert ProductStock.objects.get(product=cream).quantity == 4

    claim = page.locator("#benefit-gap")
    claim.get_by_label("Fund benefit").fill("70.00")
    claim.get_by_label("Health fund").fill("Bupa")
    claim.get_by_label("HICAPS claim reference").fill("HC553201")
    claim.get_by_label("Gap paid by").select_option("cash")
    _shots(page, artefacts_dir, "invoice-before-payment")
    claim.get_by_role("button", name="Record benefit and gap").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("amount-due")).to_have_text("$0.00")
    _shots(page, artefacts_dir, "invoice-paid")

    with page.expect_popup() as popup:
        page.get_by_test_id("print-receipt").click()
    receipt = popup.value
    receipt.wait_for_load_state()
    for words in ("Receipt", "ABN 51 824 753 556", "Provider no. 2426011A", "F1203",
                  "GST-free", "Bupa", "PAID", invoice.number):
        expect(receipt.locator("body")).to_contain_text(words)
    _shots(receipt, artefacts_dir, "receipt")
    receipt.close()

    page.goto(f"/invoices/close-day/?clinic={sydney_cbd.pk}")
    expect(page.get_by_test_id("takings-cash")).to_have_text("$47.00")
    expect(page.get_by_test_id("takings-health_fund")).to_have_text("$70.00")
    count = page.locator("#count")
    count.get_by_label("Cash counted").fill("45.00")
    count.get_by_label("EFTPOS settlement").fill("0")
    count.get_by_label("Notes").fill("$2 short: coin dropped")
    count.get_by_role("button", name="Sign off the day").click()
    expect(page.get_by_test_id("signed-off")).to_contain_text("Signed off by")
    expect(page.get_by_test_id("cash-diff")).to_have_text("−$2.00")
    expect(page.locator("#count")).to_have_count(0)  # a receptionist cannot change it now
    _shots(page, artefacts_dir, "close-day")
    day_end = DayEnd.objects.get()
    assert (day_end.counted_cash, day_end.expected_cash) == (Decimal("45.00"), Decimal("47.00"))
    visit.refresh_from_db()
    assert visit.status == "completed" and visit.is_paid

    page.goto("/invoices/products/")
    expect(page.locator("main")).to_contain_text("Urea heel balm")
    _shots(page, artefacts_dir, "products")
