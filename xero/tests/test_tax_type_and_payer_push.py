"""What is sold decides the tax type Xero gets (GST-free care EXEMPTOUTPUT, a taxable product
OUTPUT, both on a mixed invoice, with Xero's totals equal to ours); an invoice billed to a third
party goes to the payer's own Xero contact, created once; a payment lands in its method's
account."""

import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from billing import services
from billing.models import Payer, PaymentMethodAccount, Product
from ncc import testing
from scheduling.models import AppointmentType
from xero.invoices import push_invoices, push_payments
from xero.models import XeroContactLink, XeroItemMapping, XeroPayerLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def consult(xero_ready):
    kind = AppointmentType.objects.create(name="Consultation", duration_minutes=30,
                                          price=Decimal("95.00"), item_number="F1203")
    XeroItemMapping.objects.create(appointment_type=kind, account_code="200")
    return kind


@pytest.fixture
def consult_invoice(consult, john_smith, ben_clinician, sydney_cbd):
    visit = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, consult,
                                     datetime(2026, 3, 3, 9, 0, tzinfo=sydney_cbd.tz),
                                     status="completed")
    return services.create_invoice_for_appointment(visit.pk)


def _totals(held):
    return tuple(Decimal(str(held[k])) for k in ("SubTotal", "TotalTax", "Total"))


def test_gst_free_care_reaches_xero_as_exemptoutput_with_no_tax(xero_ready, consult_invoice):
    assert push_invoices([consult_invoice.pk]).synced == 1
    [held] = xero_ready.invoices()
    assert [li["TaxType"] for li in held["LineItems"]] == ["EXEMPTOUTPUT"]
    assert _totals(held) == (Decimal("95.00"), Decimal("0.00"), Decimal("95.00"))


def test_a_taxable_type_reaches_xero_as_output(xero_ready, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)  # taxable Review
    push_invoices([invoice.pk])
    [held] = xero_ready.invoices()
    assert [li["TaxType"] for li in held["LineItems"]] == ["OUTPUT"]
    assert _totals(held) == (invoice.subtotal, invoice.gst, invoice.total) == (
        Decimal("68.18"), Decimal("6.82"), Decimal("75.00"))


def test_a_mixed_invoice_sends_each_line_its_own_tax_type_and_totals_agree(
        xero_ready, consult_invoice):
    cream = Product.objects.create(code="UREA", name="Urea cream", price=Decimal("22.00"))
    invoice = services.add_product_to_invoice(consult_invoice.pk, cream.pk, 2).invoice
    push_invoices([invoice.pk])
    [held] = xero_ready.invoices()
    assert [li["TaxType"] for li in held["LineItems"]] == ["EXEMPTOUTPUT", "OUTPUT"]
    assert _totals(held) == (invoice.subtotal, invoice.gst, invoice.total) == (
        Decimal("135.00"), Decimal("4.00"), Decimal("139.00"))


def test_a_third_party_invoice_goes_to_the_payers_own_contact_created_once(
        xero_ready, consult_invoice, consult, john_smith, ben_clinician, sydney_cbd):
    dva = Payer.objects.create(name="Department of Veterans' Affairs", kind="dva",
                               email="claims@dva.example")
    services.set_invoice_payer(consult_invoice.pk, dva.pk, claim_number="NX123456")
    second = services.create_invoice_for_appointment(testing.make_appointment(
        john_smith, ben_clinician, sydney_cbd, consult,
        datetime(2026, 3, 10, 9, 0, tzinfo=sydney_cbd.tz), status="completed").pk)
    services.set_invoice_payer(second.pk, dva.pk, claim_number="NX123457")
    assert push_invoices([consult_invoice.pk, second.pk]).synced == 2
    contact_id = XeroPayerLink.objects.get(payer=dva).contact_id
    assert contact_id
    held = xero_ready.invoices()
    assert {inv["Contact"]["ContactID"] for inv in held} == {contact_id}
    payers = [c for c in xero_ready.contacts() if c.get("ContactNumber") == f"NCC-PAYER-{dva.pk}"]
    assert len(payers) == 1 and payers[0]["Name"] == "Department of Veterans' Affairs"
    assert not XeroContactLink.objects.filter(patient=john_smith).exists()  # not billed


def test_a_hicaps_benefit_lands_in_the_health_fund_clearing_account(xero_ready, consult_invoice):
    clearing = dict(xero_ready.org.accounts[0], AccountID=str(uuid.uuid4()), Code="091",
                    Name="HICAPS clearing", Type="CURRLIAB", EnablePaymentsToAccount=True)
    xero_ready.org.accounts.append(clearing)
    PaymentMethodAccount.objects.create(method="health_fund", account_code="091",
                                        account_name="HICAPS clearing")
    push_invoices([consult_invoice.pk])
    benefit, gap = services.record_benefit_and_gap(consult_invoice.pk, benefit="60.00",
                                                   fund_name="Bupa", gap_method="card")
    push_payments([benefit.pk, gap.pk])
    accounts = {Decimal(str(p["Amount"])): p["Account"].get("Code")
                for p in xero_ready.payments()}
    assert accounts[Decimal("60.00")] == "091"
    assert accounts[Decimal("35.00")] != "091"


def test_a_line_added_after_xero_has_the_invoice_updates_xeros_copy(xero_ready, consult_invoice):
    from xero.invoices import update_in_xero

    push_invoices([consult_invoice.pk])
    cream = Product.objects.create(code="UREA", name="Urea cream", price=Decimal("22.00"))
    invoice = services.add_product_to_invoice(consult_invoice.pk, cream.pk, 1).invoice
    assert update_in_xero(invoice.pk) == "updated"
    [held] = xero_ready.invoices()
    assert [li["TaxType"] for li in held["LineItems"]] == ["EXEMPTOUTPUT", "OUTPUT"]
    assert _totals(held) == (Decimal("115.00"), Decimal("2.00"), Decimal("117.00"))
