"""Payments: partial, full (invoice paid, appointment paid), over-payment refused; void and edit."""

from decimal import Decimal

import pytest
from django.test import override_settings

from billing import services
from billing.errors import BillingError
from billing.models import InvoiceStatus, Payment
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(completed_visit):
    return services.create_invoice_for_appointment(completed_visit.pk)


def test_paying_in_full_marks_invoice_and_appointment_paid(invoice, completed_visit,
                                                            mia_receptionist):
    payment = services.record_payment(invoice.pk, amount=Decimal("75.00"), method="card",
                                      reference="EFTPOS 1234", actor=mia_receptionist)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert (invoice.amount_paid, invoice.amount_due) == (Decimal("75.00"), Decimal("0.00"))
    assert invoice.paid_on == payment.date
    assert payment.recorded_by == mia_receptionist
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid


def test_part_payments_add_up_and_only_the_last_marks_paid(invoice, completed_visit):
    services.record_payment(invoice.pk, amount="50.00", method="cash")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.AWAITING_PAYMENT
    assert invoice.amount_due == Decimal("25.00")
    assert not Appointment.objects.get(pk=completed_visit.pk).is_paid
    services.record_payment(invoice.pk, amount="25.00", method="eft")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid


def test_over_payment_is_refused_and_changes_nothing(invoice):
    with pytest.raises(BillingError) as refused:
        services.record_payment(invoice.pk, amount="75.01", method="card")
    assert refused.value.field == "amount" and refused.value.code == "overpayment"
    assert refused.value.message.startswith(
        f"$75.01 is more than the $75.00 still owing on {invoice.number}.")
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("75.00")


@pytest.mark.parametrize("amount, words", [("0", r"more than \$0\.00"), ("-5", r"more than \$0\.00"),
                                           ("10.005", "two decimal places"),
                                           ("ten", "must be a number")])
def test_bad_amounts_are_refused_in_words(invoice, amount, words):
    with pytest.raises(BillingError, match=words):
        services.record_payment(invoice.pk, amount=amount, method="cash")


def test_a_paid_invoice_takes_no_more_payments(invoice):
    services.record_payment(invoice.pk, amount="75.00", method="card")
    with pytest.raises(BillingError, match="already paid in full"):
        services.record_payment(invoice.pk, amount="1.00", method="card")


@override_settings(BILLING_DEFAULT_STATUS="draft")
def test_a_draft_must_be_approved_before_payment(completed_visit):
    draft = services.create_invoice_for_appointment(completed_visit.pk)
    with pytest.raises(BillingError, match="approve it before recording a payment"):
        services.record_payment(draft.pk, amount="75.00", method="cash")
    services.approve_invoice(draft.pk)
    services.record_payment(draft.pk, amount="75.00", method="cash")
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.PAID


def test_void_an_unpaid_invoice(invoice, sam_owner):
    services.void_invoice(invoice.pk, actor=sam_owner, reason="Billed twice")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOIDED and invoice.void_reason == "Billed twice"
    with pytest.raises(BillingError, match="voided; it takes no payments"):
        services.record_payment(invoice.pk, amount="75.00", method="cash")
    with pytest.raises(BillingError, match="already voided"):
        services.void_invoice(invoice.pk)


def test_an_invoice_with_payments_cannot_be_voided(invoice):
    services.record_payment(invoice.pk, amount="20.00", method="cash")
    with pytest.raises(BillingError, match=r"has \$20.00 paid against it"):
        services.void_invoice(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.AWAITING_PAYMENT


def test_status_changes_follow_the_allow_list(invoice):
    from billing.models import can_transition

    assert can_transition("draft", "awaiting_payment")
    assert can_transition("awaiting_payment", "paid")
    assert not can_transition("paid", "voided")
    assert not can_transition("voided", "awaiting_payment")
    assert not can_transition("paid", "draft")
    with pytest.raises(BillingError, match="cannot become awaiting payment"):
        services.approve_invoice(invoice.pk)  # already approved


@override_settings(BILLING_DEFAULT_STATUS="draft")
def test_editing_a_drafts_lines_recomputes_gst_per_line(completed_visit):
    draft = services.create_invoice_for_appointment(completed_visit.pk)
    line = draft.lines.get()
    services.update_draft_lines(draft.pk, [
        {"id": line.pk, "description": line.description, "quantity": "1",
         "unit_amount": "75.00", "account_code": "200", "tax_type": "OUTPUT"},
        {"description": "Orthotic insoles", "quantity": "2", "unit_amount": "19.99",
         "account_code": "200", "tax_type": "OUTPUT"},
        {"description": "Dressing (GST free)", "quantity": "1", "unit_amount": "4.50",
         "account_code": "200", "tax_type": "EXEMPTOUTPUT"},
    ])
    draft.refresh_from_db()
    lines = list(draft.lines.all())
    assert lines[0].appointment == completed_visit  # kept, not recreated
    assert [ln.line_amount for ln in lines] == [Decimal("75.00"), Decimal("39.98"),
                                                 Decimal("4.50")]
    assert [ln.gst for ln in lines] == [Decimal("6.82"), Decimal("3.63"), Decimal("0.00")]
    assert (draft.total, draft.gst, draft.subtotal) == (Decimal("119.48"), Decimal("10.45"),
                                                        Decimal("109.03"))


@override_settings(BILLING_DEFAULT_STATUS="draft")
def test_line_edits_are_refused_with_the_field_named(completed_visit):
    draft = services.create_invoice_for_appointment(completed_visit.pk)
    good = {"id": draft.lines.get().pk, "description": "Review", "quantity": "1",
            "unit_amount": "75", "account_code": "200", "tax_type": "OUTPUT"}
    for change, field in [({"quantity": "0"}, "quantity"), ({"tax_type": "GST"}, "tax_type"),
                          ({"description": " "}, "description"),
                          ({"tax_treatment": "zero-rated"}, "tax_treatment"),
                          ({"unit_amount": "ten"}, "unit_amount")]:
        with pytest.raises(BillingError) as refused:
            services.update_draft_lines(draft.pk, [{**good, **change}])
        assert refused.value.field == field
    with pytest.raises(BillingError, match="at least one line"):
        services.update_draft_lines(draft.pk, [])


def test_a_paid_invoices_lines_are_not_editable(invoice):
    services.record_payment(invoice.pk, amount=invoice.amount_due, method="cash")
    with pytest.raises(BillingError, match="cannot change: it has payments"):
        services.update_draft_lines(invoice.pk, [{"description": "x", "quantity": 1,
                                                  "unit_amount": 1, "account_code": "200",
                                                  "tax_type": "OUTPUT"}])
