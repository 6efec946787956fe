"""The front desk's money: products with stock, lines changed while awaiting payment, HICAPS
benefit and gap together, account credit for an overpayment, third-party payers, the tax
invoice PDF, and closing the day."""

import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from billing import dayend, services
from billing.documents import render_document_pdf
from billing.errors import BillingError
from billing.models import InvoiceEmail, Payer, Product, ProductStock
from billing.tasks import send_invoice_email
from clinics.models import Practice, ProviderNumber
from ncc import testing
from scheduling.models import AppointmentType


@pytest.fixture
def consult(db):
    return AppointmentType.objects.create(name="Podiatry consultation", duration_minutes=30,
                                          price=Decimal("95.00"), item_number="F1205")


@pytest.fixture
def cream(db, sydney_cbd):
    product = Product.objects.create(code="UREA-25", name="Urea cream 25%",
                                     price=Decimal("22.00"), track_stock=True, low_stock_at=1)
    ProductStock.objects.create(product=product, clinic=sydney_cbd, quantity=2)
    return product


@pytest.fixture
def visit(john_smith, ben_clinician, sydney_cbd, consult):
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, consult,
                                    datetime(2026, 3, 3, 9, 0, tzinfo=sydney_cbd.tz),
                                    status="completed")


@pytest.fixture
def invoice(visit):
    return services.create_invoice_for_appointment(visit.pk)


def test_a_mixed_invoice_totals_gst_free_care_and_a_taxable_product(invoice, cream, sydney_cbd):
    saved = services.add_product_to_invoice(invoice.pk, cream.pk, 1)
    inv = saved.invoice
    care, product = inv.lines.order_by("position")
    assert (care.tax_type, care.gst) == ("EXEMPTOUTPUT", Decimal("0.00"))
    assert (product.tax_type, product.gst, product.product) == ("OUTPUT", Decimal("2.00"), cream)
    assert (inv.total, inv.gst, inv.subtotal) == (Decimal("117.00"), Decimal("2.00"),
                                                  Decimal("115.00"))
    assert ProductStock.objects.get(product=cream, clinic=sydney_cbd).quantity == 1
    assert any("only 1 left" in w for w in saved.warnings)


def test_selling_out_of_stock_warns_but_sells_and_a_void_puts_stock_back(invoice, cream,
                                                                         sydney_cbd):
    saved = services.add_product_to_invoice(invoice.pk, cream.pk, 3)
    assert saved.invoice.total == Decimal("161.00")
    assert ProductStock.objects.get(product=cream, clinic=sydney_cbd).quantity == -1
    assert any("sold anyway" in w for w in saved.warnings)
    services.void_invoice(invoice.pk)
    assert ProductStock.objects.get(product=cream, clinic=sydney_cbd).quantity == 2


def test_a_negative_line_asks_for_a_credit_instead(invoice):
    line = invoice.lines.get()
    for change in ({"quantity": "-1"}, {"unit_amount": "-10"}):
        row = {"id": line.pk, "description": "x", "quantity": "1", "unit_amount": "95",
               "tax_treatment": "gst_free", **change}
        with pytest.raises(BillingError, match="credit note") as refused:
            services.update_invoice_lines(invoice.pk, [row])
        assert refused.value.code == "use_credit"


def test_lines_change_while_awaiting_payment_but_not_after_a_payment(invoice):
    assert invoice.status == "awaiting_payment"
    line = invoice.lines.get()
    services.update_invoice_lines(invoice.pk, [
        {"id": line.pk, "description": line.description, "quantity": 1, "unit_amount": "85.00",
         "tax_treatment": "gst_free", "item_number": "F1205"}])
    invoice.refresh_from_db()
    assert invoice.total == invoice.amount_due == Decimal("85.00")
    services.record_payment(invoice.pk, amount="10.00", method="cash")
    with pytest.raises(BillingError, match="has payments"):
        services.update_invoice_lines(invoice.pk, [{"id": line.pk, "description": "x",
                                                    "quantity": 1, "unit_amount": "80",
                                                    "tax_treatment": "gst_free"}])


def test_a_hicaps_benefit_and_the_gap_are_recorded_together(invoice, visit):
    benefit, gap = services.record_benefit_and_gap(
        invoice.pk, benefit="60.00", fund_name="Bupa", claim_reference="HC123456",
        gap_method="card")
    invoice.refresh_from_db()
    assert (benefit.method, benefit.amount, benefit.fund_name, benefit.reference) == (
        "health_fund", Decimal("60.00"), "Bupa", "HC123456")
    assert (gap.method, gap.amount) == ("card", Decimal("35.00"))
    assert invoice.status == "paid" and invoice.amount_due == 0
    visit.refresh_from_db()
    assert visit.is_paid


def test_a_benefit_above_the_amount_due_writes_nothing(invoice):
    with pytest.raises(BillingError) as refused:
        services.record_benefit_and_gap(invoice.pk, benefit="120.00", fund_name="Bupa")
    assert refused.value.field == "benefit"
    assert not invoice.payments.exists()


def test_an_overpayment_is_refused_unless_kept_as_account_credit(invoice, john_smith):
    with pytest.raises(BillingError, match="account credit") as refused:
        services.record_payment(invoice.pk, amount="100.00", method="cash")
    assert refused.value.code == "overpayment"
    payment = services.record_payment(invoice.pk, amount="100.00", method="cash",
                                      keep_excess_as_credit=True)
    assert (payment.amount, payment.credit_kept, payment.received) == (
        Decimal("95.00"), Decimal("5.00"), Decimal("100.00"))
    assert services.account_credit_balance(john_smith.pk) == Decimal("5.00")


def test_account_credit_pays_only_up_to_the_balance(invoice, john_smith):
    with pytest.raises(BillingError, match="account credit"):
        services.record_payment(invoice.pk, amount="5.00", method="credit")


def test_a_third_party_payer_needs_its_claim_number_and_is_shown_as_bill_to(invoice):
    insurer = Payer.objects.create(name="Allianz WorkCover", kind="workcover")
    with pytest.raises(BillingError) as refused:
        services.set_invoice_payer(invoice.pk, insurer.pk)
    assert refused.value.field == "claim_number"
    services.set_invoice_payer(invoice.pk, insurer.pk, claim_number="WC-778812")
    invoice.refresh_from_db()
    assert invoice.bill_to_name == "Allianz WorkCover" and invoice.claim_number == "WC-778812"


def test_the_tax_invoice_pdf_shows_abn_provider_number_item_number_and_gst_free(
        invoice, cream, ben_clinician, sydney_cbd, brisbane):
    Practice.objects.create(name="Walk Easy Podiatry", abn="51 824 753 556")
    ProviderNumber.objects.create(clinician=ben_clinician, clinic=sydney_cbd, number="2426011A")
    ProviderNumber.objects.create(clinician=ben_clinician, clinic=brisbane, number="2426012B")
    services.add_product_to_invoice(invoice.pk, cream.pk, 1)
    text = "\n".join(page.extract_text() for page in
                     PdfReader(io.BytesIO(render_document_pdf(invoice, "invoice"))).pages)
    assert "Tax invoice" in text and "ABN 51 824 753 556" in text
    assert "2426011A" in text and "2426012B" not in text  # the number for this clinic
    assert "F1205" in text and "GST-free" in text
    assert "$2.00" in text and "$117.00" in text


def test_the_receipt_lists_payments_with_method_and_fund(invoice):
    Practice.objects.create(name="Walk Easy Podiatry", abn="51824753556")
    services.record_benefit_and_gap(invoice.pk, benefit="60.00", fund_name="Medibank",
                                    claim_reference="MB99", gap_method="cash")
    text = PdfReader(io.BytesIO(render_document_pdf(invoice, "receipt"))).pages[0].extract_text()
    assert "Receipt" in text and "Medibank" in text and "PAID" in text


def test_emailing_a_receipt_is_sent_by_the_worker_with_the_pdf_and_its_state(invoice):
    services.record_payment(invoice.pk, amount="95.00", method="card")
    email = services.email_invoice(invoice.pk, kind="receipt", to_address="john@example.com")
    assert email.status == InvoiceEmail.Status.QUEUED
    assert send_invoice_email.call(email.pk) == "sent"
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1
    assert mail.outbox[-1].attachments[0][0] == f"receipt-{invoice.number}.pdf"
    assert send_invoice_email.call(email.pk) == "nothing to do"  # never twice


def test_an_email_to_a_bad_address_is_refused_beside_the_field(invoice):
    with pytest.raises(BillingError) as refused:
        services.email_invoice(invoice.pk, kind="invoice", to_address="john at example")
    assert refused.value.field == "to_address"


def test_closing_the_day_counts_takings_by_method_and_highlights_differences(
        invoice, sydney_cbd, john_smith, ben_clinician, consult, mia_receptionist, sam_owner):
    arrived = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, consult,
                                       datetime(2026, 3, 3, 11, 0, tzinfo=sydney_cbd.tz),
                                       status="arrived")
    day = invoice.issue_date
    services.record_benefit_and_gap(invoice.pk, benefit="60.00", fund_name="Bupa",
                                    gap_method="cash")
    summary = dayend.day_summary(sydney_cbd, day)
    assert summary.expected_cash == Decimal("35.00")
    takings = {m: a for m, _, a in summary.takings}
    assert takings["health_fund"] == Decimal("60.00") and takings["card"] == Decimal("0.00")
    if invoice.issue_date == arrived.local_starts_at.date():
        assert arrived in summary.still_open
    record = dayend.sign_off_day(sydney_cbd, day, counted_cash="30.00", counted_eftpos="0",
                                 actor=mia_receptionist)
    assert record.cash_difference == Decimal("-5.00")
    with pytest.raises(BillingError, match="only an admin"):
        dayend.sign_off_day(sydney_cbd, day, counted_cash="35.00", counted_eftpos="0",
                            actor=mia_receptionist)
    changed = dayend.sign_off_day(sydney_cbd, day, counted_cash="35.00", counted_eftpos="0",
                                  notes="Recounted", actor=sam_owner)
    assert changed.cash_difference == 0 and len(changed.amendments) == 1
    assert changed.amendments[0]["before"]["counted_cash"] == "30.00"


def test_the_close_day_page_lists_visits_still_arrived_with_one_click_actions(
        mia_client, sydney_cbd, john_smith, ben_clinician, consult):
    from django.utils import timezone

    now = timezone.now().astimezone(sydney_cbd.tz).replace(hour=0, minute=5, second=0,
                                                            microsecond=0)
    arrived = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, consult, now,
                                       status="arrived")
    page = mia_client.get(reverse("billing:close_day") + f"?clinic={sydney_cbd.pk}")
    assert page.status_code == 200 and john_smith.full_name in page.content.decode()
    mia_client.post(reverse("billing:close_day_status", args=[arrived.pk]),
                    {"status": "no_show"})
    arrived.refresh_from_db()
    assert arrived.status == "no_show"
