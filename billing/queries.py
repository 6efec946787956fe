"""Reads that more than one page needs."""

from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum

from scheduling.models import Appointment, AppointmentStatus

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


def xero_differences(limit: int = 200) -> list[tuple]:
    """Invoices on which NCC and Xero disagree, as (invoice, what differs in words), from a few
    indexed queries (each capped), worst first: refused, missing, amounts, statuses."""
    from datetime import timedelta

    from django.db.models import F, Q
    from django.utils import timezone

    from .models import XeroInvoiceLink

    S = XeroInvoiceLink.Status
    base = Invoice.objects.select_related("patient", "clinic", "xero_link")
    rows: list[tuple] = []
    for inv in base.filter(xero_link__status=S.FAILED)[:limit]:
        rows.append((inv, f"Xero refused it: {inv.xero_link.error}"))
    stale = timezone.now() - timedelta(minutes=10)
    missing = (base.exclude(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOIDED])
               .filter(Q(xero_link__isnull=True)
                       | Q(xero_link__status=S.PENDING, xero_link__updated_at__lt=stale)))
    for inv in missing[:limit]:
        rows.append((inv, "Not in Xero yet."))
    synced = base.filter(xero_link__status=S.SYNCED)
    for inv in synced.exclude(xero_link__xero_total=None).exclude(
            xero_link__xero_total=F("total"))[:limit]:
        rows.append((inv, f"Total differs: NCC ${inv.total:,.2f}, Xero "
                          f"${inv.xero_link.xero_total:,.2f}."))
    for inv in synced.exclude(xero_link__xero_amount_paid=None).exclude(
            xero_link__xero_amount_paid=F("amount_paid")).exclude(
            status=InvoiceStatus.VOIDED)[:limit]:
        rows.append((inv, f"Paid differs: NCC ${inv.amount_paid:,.2f}, Xero "
                          f"${inv.xero_link.xero_amount_paid:,.2f}."))
    status_pairs = [
        (Q(status=InvoiceStatus.VOIDED) & ~Q(xero_link__xero_status__in=["VOIDED", "DELETED"]),
         "Voided in NCC but {x} in Xero."),
        (~Q(status=InvoiceStatus.VOIDED) & Q(xero_link__xero_status__in=["VOIDED", "DELETED"]),
         "{x} in Xero but {n} in NCC."),
        (Q(status=InvoiceStatus.PAID) & ~Q(xero_link__xero_status="PAID")
         & ~Q(xero_link__xero_status__in=["VOIDED", "DELETED"]),
         "Paid in NCC but {x} in Xero."),
    ]
    for condition, words in status_pairs:
        for inv in synced.filter(condition)[:limit]:
            rows.append((inv, words.format(x=(inv.xero_link.xero_status or "unknown").title(),
                                           n=inv.get_status_display().lower())))
    return rows[:limit]


def xero_orphans(limit: int = 200):
    """Xero invoices numbered like ours that NCC lacks ("In Xero but not in NCC"), leaving out
    any linked or numbered in NCC since the sweep saw them."""
    from .models import XeroInvoiceLink, XeroOrphanInvoice

    return (XeroOrphanInvoice.objects
            .exclude(xero_invoice_id__in=XeroInvoiceLink.objects.exclude(xero_invoice_id="")
                     .values("xero_invoice_id"))
            .exclude(number__in=Invoice.objects.values("number"))[:limit])


def xero_difference_count() -> int:
    """For the dashboard: how many invoices need a look on the reconciliation page (NCC's that
    differ, and Xero's that NCC lacks)."""
    return len({inv.pk for inv, _ in xero_differences()}) + len(xero_orphans())


def appointment_invoice_badges(appointment_ids) -> dict:
    """For the appointment book and lists (one query): {appointment_id: {"number", "url",
    "status", "status_label", "paid", "xero"}} for appointments on a live invoice, where
    "xero" is the Xero link's status ("synced", "failed", "pending") or "" without one."""
    lines = (InvoiceLine.objects.filter(appointment_id__in=list(appointment_ids))
             .exclude(invoice__status=InvoiceStatus.VOIDED)
             .select_related("invoice", "invoice__xero_link"))
    out = {}
    for line in lines:
        invoice = line.invoice
        link = getattr(invoice, "xero_link", None)  # none yet: RelatedObjectDoesNotExist
        out[line.appointment_id] = {
            "number": invoice.number, "url": invoice.get_absolute_url(),
            "status": invoice.status,
            "status_label": "Credited" if invoice.credited_at else invoice.get_status_display(),
            "paid": invoice.status == InvoiceStatus.PAID and invoice.credited_at is None,
            "xero": link.status if link else "",
        }
    return out
