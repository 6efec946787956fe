"""Invoices reach Xero exactly once, with contact, account, GST and the clinic's tracking option,
whatever the network does (dropped replies after Xero saved, 429s)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from billing import services
from billing.errors import MissingMapping
from billing.models import Invoice
from ncc import testing
from xero.invoices import push_invoices
from xero.models import XeroContactLink, XeroInvoiceLink, XeroTrackingMapping

pytestmark = pytest.mark.django_db


def test_an_invoice_lands_in_xero_with_contact_tracking_and_gst(xero_ready, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    line = invoice.lines.get()
    assert (line.tracking_category, line.tracking_option) == ("Location", "Sydney CBD")
    result = push_invoices([invoice.pk])
    assert (result.synced, result.failed, result.push_calls) == (1, 0, 1)
    [held] = xero_ready.invoices()
    link = XeroInvoiceLink.objects.get(invoice=invoice)
    assert link.status == "synced" and link.xero_invoice_id == held["InvoiceID"]
    assert held["InvoiceNumber"] == held["Reference"] == invoice.number
    assert held["Contact"]["ContactID"] == XeroContactLink.objects.get(
        patient=invoice.patient).contact_id
    assert (held["Type"], held["Status"], held["LineAmountTypes"]) == (
        "ACCREC", "AUTHORISED", "Inclusive")
    assert (Decimal(str(held["Total"])), Decimal(str(held["TotalTax"])),
            Decimal(str(held["SubTotal"]))) == (invoice.total, invoice.gst, invoice.subtotal)
    assert held["LineItems"][0]["Tracking"] == [{"Name": "Location", "Option": "Sydney CBD"}]
    assert (held["LineItems"][0]["AccountCode"], held["LineItems"][0]["TaxType"]) == (
        "200", "OUTPUT")
    # Pushing again sends nothing: it is already there.
    again = push_invoices([invoice.pk])
    assert again.push_calls == 0 and len(xero_ready.invoices()) == 1


def test_with_xero_connected_an_unmapped_type_stops_the_invoice(fake_xero, xero_connection,
                                                                 completed_visit):
    with pytest.raises(MissingMapping, match="Map the type Review in Xero settings"):
        services.create_invoice_for_appointment(completed_visit.pk)
    assert not Invoice.objects.exists()


def test_a_rejected_invoice_is_failed_with_xeros_words_and_a_retry_sends_it(
        xero_ready, completed_visit, sydney_cbd):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Nowhere")
    result = push_invoices([invoice.pk])
    assert result.failed == 1
    link = XeroInvoiceLink.objects.get(invoice=invoice)
    assert link.status == "failed" and "Tracking option Nowhere of Location" in link.error
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Sydney CBD")
    assert push_invoices([invoice.pk]).synced == 1
    assert len(xero_ready.invoices()) == 1


def test_200_invoices_with_lost_replies_and_429s_land_exactly_once(
        xero_ready, settings, sydney_cbd, ben_clinician, ana_clinician, review_type):
    settings.BILLING_XERO_BATCH_SIZE = 10  # 20 writes, so that one in five can be lost
    patients = [testing.make_patient(sydney_cbd, "Pat", f"Number{i}", mobile=f"+614120001{i:02d}")
                for i in range(20)]
    start = datetime(2026, 3, 2, 8, 0, tzinfo=sydney_cbd.tz)
    ids = []
    for i in range(200):
        clinician = ben_clinician if i % 2 else ana_clinician
        appt = testing.make_appointment(patients[i % 20], clinician, sydney_cbd, review_type,
                                        start + timedelta(minutes=30 * (i // 2)),
                                        status="completed")
        ids.append(services.create_invoice_for_appointment(appt.pk).pk)
    xero_ready.inject("drop", method="PUT", path="/Invoices", every=5)
    xero_ready.inject("429", path="/Invoices", every=6)

    result = push_invoices(ids)

    held = xero_ready.invoices()
    assert xero_ready.stats["dropped"] >= 4 and xero_ready.stats["http_429"] >= 3
    assert len(held) == 200
    by_number = {h["InvoiceNumber"]: h for h in held}
    assert len(by_number) == 200
    for invoice in Invoice.objects.filter(pk__in=ids).prefetch_related("lines"):
        copy = by_number[invoice.number]
        assert Decimal(str(copy["Total"])) == invoice.total
        assert Decimal(str(copy["TotalTax"])) == invoice.gst
        assert copy["LineItems"][0]["Tracking"][0]["Option"] == "Sydney CBD"
    assert (result.synced, result.failed) == (200, 0)
    assert XeroInvoiceLink.objects.filter(status="synced").count() == 200
    assert result.lookup_calls >= 1  # lost replies were settled by looking up our numbers

    # Xero takes every payment; one sweep brings them back in pages of 100: 2 calls, not 200.
    xero_ready.clear_faults()
    for number in by_number:
        xero_ready.pay(number)
    from xero.invoices import sweep_invoice_changes

    pulled = sweep_invoice_changes()
    assert (pulled.calls, pulled.updated) == (2, 200)
    assert Invoice.objects.filter(pk__in=ids, status="paid").count() == 200


def test_a_payment_made_in_xero_marks_the_invoice_and_appointment_paid_through_the_sweep(
        xero_ready, completed_visit):
    from scheduling.models import Appointment
    from xero.models import XeroInvoiceSweep
    from xero.tasks import xero_invoice_sweep

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([invoice.pk])
    assert xero_invoice_sweep.call()["payments"] == 0  # nothing paid yet
    xero_ready.pay(invoice.number)

    outcome = xero_invoice_sweep.call()

    assert outcome["payments"] == 1
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.amount_due == 0
    payment = invoice.payments.get()
    assert (payment.method, payment.amount, payment.reference) == (
        "xero", Decimal("75.00"), "Paid in Xero")
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid
    assert XeroInvoiceLink.objects.get(invoice=invoice).xero_status == "PAID"
    # The next sweep asks only for changes since this one, and pays nothing twice.
    assert XeroInvoiceSweep.objects.get().changed_since is not None
    assert xero_invoice_sweep.call()["payments"] == 0
    assert invoice.payments.count() == 1


def test_a_part_payment_in_xero_is_recorded_for_the_difference_only(xero_ready, completed_visit):
    from xero.invoices import sweep_invoice_changes

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    services.record_payment(invoice.pk, amount="20.00", method="cash")
    push_invoices([invoice.pk])
    xero_ready.pay(invoice.number, amount="50.00")  # Xero knows 50 of it
    sweep_invoice_changes()
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("50.00")  # 20 at the desk + 30 more seen in Xero
    assert invoice.status == "awaiting_payment"


def test_the_invoice_page_shows_the_failure_in_words_and_the_retry_button_sends_it(
        xero_ready, completed_visit, sydney_cbd, mia_client):
    from django.urls import reverse

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Nowhere")
    push_invoices([invoice.pk])
    page = mia_client.get(invoice.get_absolute_url()).content.decode()
    assert "Failed to sync" in page and "Tracking option Nowhere of Location" in page
    assert "Retry sending to Xero" in page
    assert "Xero failed" in mia_client.get(reverse("billing:list")).content.decode()
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Sydney CBD")
    response = mia_client.post(reverse("xero:push_invoice", args=[invoice.pk]), follow=True)
    page = response.content.decode()
    assert f"{invoice.number} is in Xero." in page and "In Xero" in page
    assert "Open in Xero" in page


def test_a_card_payment_at_the_desk_reaches_xero_once_even_when_the_reply_is_lost(
        xero_ready, completed_visit):
    from xero.invoices import push_payments, sweep_invoice_changes
    from xero.models import XeroPaymentLink

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([invoice.pk])
    payment = services.record_payment(invoice.pk, amount="75.00", method="card",
                                      reference="EFTPOS 77")
    xero_ready.inject("drop", method="PUT", path="/Payments", times=1)

    result = push_payments([payment.pk])

    [held] = xero_ready.payments()
    assert (result.synced, result.push_calls, result.lookup_calls) == (1, 1, 1)
    link = XeroPaymentLink.objects.get(payment=payment)
    assert link.status == "synced" and link.xero_payment_id == held["PaymentID"]
    assert held["Reference"] == f"NCC {payment.pk} EFTPOS 77"
    assert (held["Amount"], held["Account"]["Code"]) == (75.0, "090")
    [copy] = xero_ready.invoices()
    assert copy["Status"] == "PAID"
    # Nothing goes twice, and the sweep does not count it again as a payment made in Xero.
    assert push_payments([payment.pk]).push_calls == 0
    sweep_invoice_changes()
    assert invoice.payments.count() == 1


def test_payments_from_xero_are_never_sent_back(xero_ready, completed_visit):
    from xero.invoices import push_unsent_payments, sweep_invoice_changes

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([invoice.pk])
    xero_ready.pay(invoice.number)
    sweep_invoice_changes()
    assert invoice.payments.get().method == "xero"
    assert push_unsent_payments() is None


def test_voiding_in_ncc_voids_the_copy_in_xero(xero_ready, completed_visit):
    from xero.invoices import void_in_xero

    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([invoice.pk])
    services.void_invoice(invoice.pk, reason="Billed the wrong patient")
    result = void_in_xero([invoice.pk])
    assert (result.synced, result.failed) == (1, 0)
    [copy] = xero_ready.invoices()
    assert copy["Status"] == "VOIDED"
    assert XeroInvoiceLink.objects.get(invoice=invoice).xero_status == "VOIDED"
    assert void_in_xero([invoice.pk]).push_calls == 0  # done once
