"""Reads for more than one view: badges in the patients list and the book, invoices that differ
between NCC and Xero."""

from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus

from .models import XeroContactLink, XeroCreditNoteLink, XeroInvoiceLink, XeroOrphanInvoice


def synced_badges(patients) -> dict:
    """{patient pk: [(label, css)]}: one query for the page of patients."""
    out: dict = {}
    links = XeroContactLink.objects.filter(patient__in=[p.pk for p in patients]).values_list(
        "patient_id", "status", "synced_at", "patient__updated_at")
    for pk, status, synced_at, updated_at in links:
        if status == XeroContactLink.Status.SYNCED:
            stale = synced_at and updated_at and updated_at > synced_at
            out[pk] = [("Xero: changed" if stale else "Xero", "tag-warn" if stale else "tag-ok")]
        elif status == XeroContactLink.Status.FAILED:
            out[pk] = [("Xero failed", "tag-alert")]
    return out


# -- invoices: what differs between NCC and Xero --------------------------------------------
def xero_differences(limit: int = 200) -> list[tuple]:
    """Invoices on which NCC and Xero disagree, as (invoice, what differs in words), from a few
    indexed queries (each capped), worst first: refused, missing, amounts, statuses."""
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
    return (XeroOrphanInvoice.objects
            .exclude(xero_invoice_id__in=XeroInvoiceLink.objects.exclude(xero_invoice_id="")
                     .values("xero_invoice_id"))
            .exclude(number__in=Invoice.objects.values("number"))[:limit])


def xero_difference_count() -> int:
    """For the dashboard: how many invoices need a look on the reconciliation page (NCC's that
    differ, and Xero's that NCC lacks)."""
    return len({inv.pk for inv, _ in xero_differences()}) + len(xero_orphans())


def invoice_tags(invoice_ids) -> dict:
    """billing.extensions.INVOICE_TAGS: where each invoice stands in Xero (one query)."""
    S = XeroInvoiceLink.Status
    words = {S.SYNCED: ("Xero", "tag-ok", "In Xero"), S.FAILED: ("Xero failed", "tag-alert", ""),
             S.PENDING: ("Xero…", "tag-warn", "Sending to Xero")}
    out = {}
    for invoice_id, status, error, unknown in XeroInvoiceLink.objects.filter(
            invoice_id__in=list(invoice_ids)).values_list(
            "invoice_id", "status", "error", "outcome_unknown"):
        label, css, title = words[status]
        if status == S.PENDING and unknown:
            label, title = "Xero?", "Sent to Xero; outcome unknown until Xero is checked again"
        out[invoice_id] = [(label, css, title or error)]
    return out


def credit_note_tags(credit_note_ids) -> dict:
    """billing.extensions.CREDIT_NOTE_TAGS (one query)."""
    S = XeroCreditNoteLink.Status
    out = {}
    for note_id, status, error, unknown in XeroCreditNoteLink.objects.filter(
            credit_note_id__in=list(credit_note_ids)).values_list(
            "credit_note_id", "status", "error", "outcome_unknown"):
        pending = ("Outcome unknown", "tag-warn", "Sent to Xero without an answer; NCC checks "
                   "Xero by number before sending it again") if unknown else (
            "Sending to Xero", "tag-warn", "")
        out[note_id] = [{S.SYNCED: ("In Xero", "tag-ok", ""),
                         S.FAILED: ("Xero failed", "tag-alert", error)}.get(status, pending)]
    return out


def appointment_xero_badges(appointment_ids) -> dict:
    """ncc.navigation.APPOINTMENT_BADGES: "Xero" on a block whose live invoice is in Xero,
    "Xero ✗" when Xero refused it (one query)."""
    rows = (XeroInvoiceLink.objects
            .filter(invoice__lines__appointment_id__in=list(appointment_ids),
                    status__in=[XeroInvoiceLink.Status.SYNCED, XeroInvoiceLink.Status.FAILED])
            .exclude(invoice__status=InvoiceStatus.VOIDED)
            .values_list("invoice__lines__appointment_id", "status"))
    return {pk: [("Xero", "xero-ok") if status == XeroInvoiceLink.Status.SYNCED
                 else ("Xero ✗", "xero-failed")] for pk, status in rows}
