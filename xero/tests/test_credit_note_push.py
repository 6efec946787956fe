"""Credit notes reach Xero as Xero records them, exactly once whatever the network does: money
given back is a refund payment on the credit note (ARCREDITPAYMENT), a credit kept on account is
allocated for at most what the invoice still owes, GST goes line by line, and NCC and Xero agree
to the cent afterwards."""

from decimal import Decimal

import pytest

from billing import services
from xero.credit_notes import push_credit_note
from xero.invoices import push_invoices
from xero.models import XeroCreditNoteLink, XeroInvoiceLink
from xero.queries import xero_differences
from xero.tasks import xero_invoice_sweep

pytestmark = pytest.mark.django_db


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def paid_in_both(xero_ready, completed_visit):
    """John's $75.00 review (incl. $6.82 GST), in Xero, paid by card at the desk."""
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    assert push_invoices([invoice.pk]).synced == 1
    services.record_payment(invoice.pk, amount="75.00", method="card")
    return invoice


def test_a_refund_of_a_paid_invoice_is_a_credit_note_with_a_refund_payment_despite_lost_replies(
        xero_ready, paid_in_both):
    invoice = paid_in_both
    note = services.credit_invoice(invoice.pk, "75.00", "Session not delivered", None,
                                   refund_method="card")
    xero_ready.inject("drop", method="PUT", path="/CreditNotes", times=1)
    xero_ready.inject("drop", method="PUT", path="/Payments", skip=1, times=1)  # the refund

    assert push_credit_note(note.pk) == "synced"
    assert xero_ready.stats["dropped"] == 2  # both writes were made, their replies lost
    assert push_credit_note(note.pk) == "synced"  # again: nothing more is sent

    [held] = xero_ready.credit_notes()
    link = XeroCreditNoteLink.objects.get(credit_note=note)
    assert link.xero_credit_note_id == held["CreditNoteID"] and link.refunded
    assert (held["Type"], held["CreditNoteNumber"], held["Status"]) == (
        "ACCRECCREDIT", note.number, "PAID")  # all of it handed back
    assert money(held["RemainingCredit"]) == 0 and held["Allocations"] == []
    assert (money(held["Total"]), money(held["TotalTax"])) == (money(75), note.gst)
    [line] = held["LineItems"]
    assert (line["AccountCode"], line["TaxType"]) == ("200", "OUTPUT")
    assert line["Tracking"] == [{"Name": "Location", "Option": "Sydney CBD"}]
    refunds = [p for p in xero_ready.payments() if p.get("PaymentType") == "ARCREDITPAYMENT"]
    assert [(money(p["Amount"]), p["Reference"]) for p in refunds] == [
        (money(75), f"NCC refund {note.number}")]
    [xero_invoice] = xero_ready.invoices()
    assert (xero_invoice["Status"], money(xero_invoice["AmountPaid"])) == ("PAID", money(75))
    xero_invoice_sweep.call()  # reads Xero back: NCC and Xero agree to the cent
    assert [row for row in xero_differences() if row[0].pk == invoice.pk] == []


def test_credit_kept_on_account_allocates_at_most_what_the_invoice_still_owes(
        xero_ready, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    assert push_invoices([invoice.pk]).synced == 1
    services.record_payment(invoice.pk, amount="40.00", method="cash")  # $35.00 still owing
    note = services.credit_invoice(invoice.pk, "40.00", "Goodwill", None, refund_method="none")

    assert push_credit_note(note.pk) == "synced"
    [held] = xero_ready.credit_notes()
    [allocation] = held["Allocations"]
    assert money(allocation["Amount"]) == money(35)  # Xero refuses more than is owed
    assert money(held["RemainingCredit"]) == money(5)  # the rest stays as credit
    [xero_invoice] = xero_ready.invoices()
    assert (xero_invoice["Status"], money(xero_invoice["AmountDue"])) == ("PAID", 0)
    link = XeroCreditNoteLink.objects.get(credit_note=note)
    assert (link.allocation_amount, link.refund_amount, link.allocated) == (
        money(35), money(0), True)


def test_gst_on_a_credit_follows_the_invoice_lines_not_the_first_line(
        xero_ready, completed_visit, review_type):
    invoice = services.create_invoice_for_appointment(completed_visit.pk, status="draft")
    [first] = invoice.lines.all()
    services.update_draft_lines(invoice.pk, [
        {"id": first.pk, "description": first.description, "quantity": 1,
         "unit_amount": "75.00", "account_code": "200", "tax_type": "EXEMPTOUTPUT"},
        {"description": "Orthotic insoles", "quantity": 1, "unit_amount": "22.00",
         "account_code": "200", "tax_type": "OUTPUT"}])
    services.approve_invoice(invoice.pk)
    assert push_invoices([invoice.pk]).synced == 1
    services.record_payment(invoice.pk, amount="97.00", method="card")
    note = services.credit_invoice(invoice.pk, "97.00", "Returned", None, refund_method="cash")
    assert note.gst == money(2)  # the insoles' GST, not 10% of everything

    assert push_credit_note(note.pk) == "synced"
    [held] = xero_ready.credit_notes()
    assert [(line["TaxType"], money(line["LineAmount"])) for line in held["LineItems"]] == [
        ("EXEMPTOUTPUT", money(75)), ("OUTPUT", money(22))]
    assert money(held["TotalTax"]) == note.gst


def test_the_sweep_sends_a_credit_note_whose_invoice_reached_xero_later(
        xero_ready, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    services.record_payment(invoice.pk, amount="75.00", method="card")
    note = services.credit_invoice(invoice.pk, "30.00", "Partial refund", None)
    assert push_credit_note(note.pk) == "waiting"  # the invoice is not in Xero yet
    xero_invoice_sweep.call()
    assert XeroInvoiceLink.objects.get(invoice=invoice).status == "synced"
    assert XeroCreditNoteLink.objects.get(credit_note=note).status == "synced"
    [refund] = [p for p in xero_ready.payments() if p.get("PaymentType") == "ARCREDITPAYMENT"]
    assert money(refund["Amount"]) == money(30)
