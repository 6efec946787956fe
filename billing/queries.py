"""Reads that more than one page needs."""

from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum

from scheduling.models import Appointment, AppointmentStatus

from .extensions import invoice_tags
from .models import Invoice, InvoiceLine, InvoiceStatus


def unpaid_total(invoices) -> Decimal:
    """What is owed on the given invoices (drafts and voided ones owe nothing yet)."""
    total = (invoices.filter(status=InvoiceStatus.AWAITING_PAYMENT)
             .aggregate(total=Sum("amount_due"))["total"])
    return total or Decimal("0.00")


def live_invoice_line_for_appointment():
    return InvoiceLine.objects.filter(appointment=OuterRef("pk")).exclude(
        invoice__status=InvoiceStatus.VOIDED)


def uninvoiced_completed_appointments(patient):
    return (Appointment.objects.filter(patient=patient, status=AppointmentStatus.COMPLETED)
            .exclude(Exists(live_invoice_line_for_appointment()))
            .select_related("clinician__user", "clinic", "appointment_type")
            .order_by("-starts_at"))


def invoices_for_patient(patient):
    return (Invoice.objects.filter(patient=patient).select_related("clinic")
            .order_by("-issue_date", "-number"))


def live_invoices_by_appointment(appointment_ids) -> dict:
    """{appointment_id: Invoice} for the appointments that are on a live invoice (one query)."""
    lines = (InvoiceLine.objects.filter(appointment_id__in=list(appointment_ids))
             .exclude(invoice__status=InvoiceStatus.VOIDED).select_related("invoice"))
    return {line.appointment_id: line.invoice for line in lines}


def appointment_invoice_badges(appointment_ids, *, with_tags: bool = True) -> dict:
    """For the appointment book and lists (one query): {appointment_id: {"number", "url",
    "status", "status_label", "paid", "tags"}} for appointments on a live invoice; "tags" are
    what integrations say of the invoice (billing.extensions.INVOICE_TAGS), left out (and not
    queried) without `with_tags`."""
    lines = (InvoiceLine.objects.filter(appointment_id__in=list(appointment_ids))
             .exclude(invoice__status=InvoiceStatus.VOIDED)
             .select_related("invoice"))
    out = {}
    for line in lines:
        invoice = line.invoice
        out[line.appointment_id] = {
            "id": invoice.pk, "number": invoice.number, "url": invoice.get_absolute_url(),
            "status": invoice.status,
            "status_label": "Credited" if invoice.credited_at else invoice.get_status_display(),
            "paid": invoice.status == InvoiceStatus.PAID and invoice.credited_at is None,
        }
    tags = invoice_tags({info["id"] for info in out.values()}) if with_tags else {}
    for info in out.values():
        info["tags"] = tags.get(info.pop("id"), [])
    return out
