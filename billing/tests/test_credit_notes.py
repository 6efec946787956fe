"""Credits for invoices with payments (Xero will not void them): a credit note in NCC for at most
what was paid, GST as Xero works it out. Its copy in Xero: xero/tests/test_credit_note_push.py."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.errors import BillingError
from billing.models import CreditNote, InvoiceStatus
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_invoice(completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    services.record_payment(invoice.pk, amount="75.00", method="card")
    invoice.refresh_from_db()
    return invoice


def test_a_credit_above_what_was_paid_is_refused_in_words(completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    with pytest.raises(BillingError, match="has no payments; void it instead"):
        services.credit_invoice(invoice.pk, "10.00", "Refund", None)
    services.record_payment(invoice.pk, amount="30.00", method="cash")
    with pytest.raises(BillingError) as refused:
        services.credit_invoice(invoice.pk, "30.01", "Refund", None)
    assert refused.value.field == "amount"
    assert refused.value.message == (f"$30.01 is more than the $30.00 paid on {invoice.number} "
                                     "and not yet credited.")
    with pytest.raises(BillingError, match="Say why"):
        services.credit_invoice(invoice.pk, "10.00", " ", None)
    assert not CreditNote.objects.exists()


def test_a_part_credit_has_gst_as_xero_rounds_it_and_leaves_the_invoice_paid(
        paid_invoice, completed_visit, sam_owner):
    note = services.credit_invoice(paid_invoice.pk, "20.00", "Short session", sam_owner)
    assert note.number.startswith("CN-") and note.created_by == sam_owner
    assert (note.amount, note.gst) == (Decimal("20.00"), Decimal("1.82"))  # 20/11, rounded
    paid_invoice.refresh_from_db()
    assert paid_invoice.status == InvoiceStatus.PAID and paid_invoice.credited_at is None
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid
    with pytest.raises(BillingError, match=r"more than the \$55.00 paid"):
        services.credit_invoice(paid_invoice.pk, "55.01", "More", sam_owner)


def test_crediting_everything_paid_voids_by_credit_and_unpays_the_appointment(
        paid_invoice, completed_visit):
    first = services.credit_invoice(paid_invoice.pk, "25.00", "Part", None)
    second = services.credit_invoice(paid_invoice.pk, Decimal("50.00"), "Rest", None)
    assert second.number != first.number and second.gst == Decimal("4.55")
    paid_invoice.refresh_from_db()
    assert paid_invoice.credited_at is not None
    assert paid_invoice.status == InvoiceStatus.PAID  # the allow-list keeps paid final
    assert not Appointment.objects.get(pk=completed_visit.pk).is_paid
    with pytest.raises(BillingError, match="already credited in full"):
        services.credit_invoice(paid_invoice.pk, "1.00", "Again", None)


def test_the_invoice_page_credits_with_errors_beside_the_field(sam_client, paid_invoice):
    url = reverse("billing:credit", args=[paid_invoice.pk])
    page = sam_client.get(paid_invoice.get_absolute_url()).content.decode()
    assert "Issue credit note" in page and "data-confirm=" in page
    refused = sam_client.post(url, {"amount": "80.00", "reason": "Refund",
                                    "refund_method": "card"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert f"$80.00 is more than the $75.00 paid on {paid_invoice.number}" in body
    assert 'aria-invalid="true"' in body or "errorlist" in body
    done = sam_client.post(url, {"amount": "75.00", "reason": "Session not delivered",
                                 "refund_method": "cash"}, follow=True)
    body = done.content.decode()
    assert "Issued credit note CN-" in body and "Voided by credit" in body
    assert "Session not delivered" in body and "Issue credit note" not in body


def test_clinicians_cannot_credit(ben_client, paid_invoice):
    response = ben_client.post(reverse("billing:credit", args=[paid_invoice.pk]),
                               {"amount": "1.00", "reason": "x", "refund_method": "cash"})
    assert response.status_code == 403 and not CreditNote.objects.exists()
