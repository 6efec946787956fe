"""Creating an invoice from an appointment: number, lines from the type's mapping, totals, refusals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from billing import services
from billing.errors import BillingError, MissingMapping, NeedsConfirmation
from billing.mappings import LineMapping, register_line_mapping, unregister
from billing.models import Invoice, InvoiceStatus
from ncc import testing

pytestmark = pytest.mark.django_db


def test_invoice_bills_the_appointment_type_price_with_gst_inside(completed_visit,
                                                                   mia_receptionist):
    invoice = services.create_invoice_for_appointment(completed_visit.pk,
                                                      actor=mia_receptionist)
    assert invoice.number.startswith("INV-") and len(invoice.number) == len("INV-000001")
    assert invoice.patient == completed_visit.patient
    assert invoice.clinic == completed_visit.clinic
    assert invoice.status == InvoiceStatus.AWAITING_PAYMENT
    today = timezone.localdate(timezone=completed_visit.clinic.tz)
    assert invoice.issue_date == today
    assert invoice.due_date == today + timedelta(days=14)
    # $75.00 including GST: GST is 75/11 = 6.818... -> 6.82, before GST 68.18.
    assert (invoice.total, invoice.gst, invoice.subtotal) == (
        Decimal("75.00"), Decimal("6.82"), Decimal("68.18"))
    assert invoice.amount_due == Decimal("75.00") and invoice.amount_paid == 0
    [line] = invoice.lines.all()
    assert line.appointment == completed_visit
    assert line.description.startswith("Review, Tue 3 Mar 2026, 9:15 AM with Ben")
    assert (line.quantity, line.unit_amount, line.line_amount, line.gst) == (
        1, Decimal("75.00"), Decimal("75.00"), Decimal("6.82"))
    assert (line.account_code, line.tax_type) == ("200", "OUTPUT")
    assert (line.tracking_category, line.tracking_option) == ("Clinic", "Sydney CBD")
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), actor=mia_receptionist,
                                     action="create").exists()


def test_invoice_numbers_follow_each_other(completed_visit, john_smith, ben_clinician,
                                           sydney_cbd, review_type, visit_start):
    other = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                     visit_start + timedelta(days=7), status="completed")
    first = services.create_invoice_for_appointment(completed_visit.pk)
    second = services.create_invoice_for_appointment(other.pk)
    assert int(second.number[4:]) == int(first.number[4:]) + 1


@override_settings(BILLING_DEFAULT_STATUS="draft", BILLING_DUE_DAYS=7)
def test_settings_choose_draft_and_the_due_days(completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.due_date - invoice.issue_date == timedelta(days=7)


def test_a_second_invoice_for_the_same_appointment_is_refused(completed_visit):
    first = services.create_invoice_for_appointment(completed_visit.pk)
    with pytest.raises(BillingError) as refused:
        services.create_invoice_for_appointment(completed_visit.pk)
    assert refused.value.code == "already_invoiced"
    assert refused.value.message == f"This appointment is already on invoice {first.number}."
    assert Invoice.objects.count() == 1


def test_a_voided_invoice_frees_the_appointment_for_a_new_one(completed_visit):
    first = services.create_invoice_for_appointment(completed_visit.pk)
    services.void_invoice(first.pk, reason="wrong type")
    second = services.create_invoice_for_appointment(completed_visit.pk)
    assert second.number != first.number


@pytest.mark.parametrize("status, words", [("no_show", "was a no-show"),
                                           ("cancelled", "was cancelled")])
def test_no_show_or_cancelled_asks_first_then_bills_a_fee(completed_visit, status, words):
    completed_visit.status = status
    completed_visit.cancellation_reason = "Patient unwell" if status == "cancelled" else ""
    completed_visit.save()
    with pytest.raises(NeedsConfirmation) as asked:
        services.create_invoice_for_appointment(completed_visit.pk)
    assert words in asked.value.message and "Confirm" in asked.value.message
    assert not Invoice.objects.exists()
    invoice = services.create_invoice_for_appointment(completed_visit.pk, confirm=True)
    assert "fee" in invoice.lines.get().description


def test_a_mapping_registered_by_another_app_sets_account_and_price_but_tax_follows_the_type(
        completed_visit):
    def mapping(appointment_type):
        return LineMapping(account_code="210", tax_type="EXEMPTOUTPUT", item_code="REV30",
                           unit_amount=Decimal("80.00"))

    register_line_mapping(mapping)
    try:
        invoice = services.create_invoice_for_appointment(completed_visit.pk)
    finally:
        unregister(mapping)
    line = invoice.lines.get()
    # The Review here is taxable (billing's conftest): the mapping's EXEMPTOUTPUT does not win.
    assert (line.account_code, line.tax_type, line.item_code) == ("210", "OUTPUT", "REV30")
    assert (invoice.total, invoice.gst) == (Decimal("80.00"), Decimal("7.27"))


def test_a_missing_mapping_stops_the_invoice_with_its_message(completed_visit):
    def mapping(appointment_type):
        raise MissingMapping(f"Map the type {appointment_type.name} in Xero settings first.")

    register_line_mapping(mapping)
    try:
        with pytest.raises(MissingMapping, match="Map the type Review in Xero settings"):
            services.create_invoice_for_appointment(completed_visit.pk)
    finally:
        unregister(mapping)
    assert not Invoice.objects.exists()


def test_an_unpriced_type_is_refused(completed_visit, review_type):
    review_type.price = Decimal("0.00")
    review_type.save()
    with pytest.raises(BillingError, match="Review has no price"):
        services.create_invoice_for_appointment(completed_visit.pk)


def test_an_unknown_appointment_is_refused_in_words(db):
    with pytest.raises(BillingError, match="That appointment does not exist"):
        services.create_invoice_for_appointment("6f1c1d1e-0000-4000-8000-000000000000")
