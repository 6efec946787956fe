"""Billing's part in the book (badges) and the owner's dashboard ("Needs attention")."""

from datetime import timedelta

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from .models import Invoice, InvoiceStatus
from .queries import appointment_invoice_badges

OVERDUE_DAYS = 30


def book_badges(appointment_ids) -> dict:
    """{appointment_id: [(label, css)]}: whether the visit is invoiced and where it stands in
    Xero ("Paid" itself comes from the appointment's is_paid)."""
    out = {}
    for pk, info in appointment_invoice_badges(appointment_ids).items():
        if info["xero"] == "synced":
            out[pk] = [("Xero", "xero-ok")]
        elif info["xero"] == "failed":
            out[pk] = [("Xero ✗", "xero-failed")]
        elif not info["paid"]:
            out[pk] = [("Invoiced", "invoiced")]
    return out


def billing_attention(request) -> list[dict]:
    today = timezone.localdate()
    overdue = Invoice.objects.filter(status=InvoiceStatus.AWAITING_PAYMENT,
                                     due_date__lt=today - timedelta(days=OVERDUE_DAYS))
    items = [{"label": f"invoices more than {OVERDUE_DAYS} days overdue",
              "count": overdue.count(),
              "url": reverse("reports:receivables") if apps.is_installed("reports")
              else reverse("billing:list"),
              "action": "See aged receivables"}]
    if apps.is_installed("xero"):
        from xero.models import XeroConnection

        from .queries import xero_difference_count

        if not XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
            return items  # not connected: nothing is expected in Xero yet

        items.append({"label": "invoices that differ between NCC and Xero",
                      "count": xero_difference_count(), "url": reverse("billing:reconcile"),
                      "action": "Reconcile"})
    return items
