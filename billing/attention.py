"""Billing's part in the book (badges) and the owner's dashboard ("Needs attention")."""

from datetime import timedelta

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from .models import Invoice, InvoiceStatus
from .queries import appointment_invoice_badges

OVERDUE_DAYS = 30


def book_badges(appointment_ids) -> dict:
    """{appointment_id: [(label, css)]}: whether the visit is invoiced and not yet paid ("Paid"
    itself comes from the appointment's is_paid; the xero app adds where it stands in Xero)."""
    return {pk: [("Invoiced", "invoiced")]
            for pk, info in appointment_invoice_badges(appointment_ids, with_tags=False).items()
            if not info["paid"]}


def billing_attention(request) -> list[dict]:
    today = timezone.localdate()
    overdue = Invoice.objects.filter(status=InvoiceStatus.AWAITING_PAYMENT,
                                     due_date__lt=today - timedelta(days=OVERDUE_DAYS))
    return [{"label": f"invoices more than {OVERDUE_DAYS} days overdue",
              "count": overdue.count(),
              "url": reverse("reports:receivables") if apps.is_installed("reports")
              else reverse("billing:list"),
              "action": "See aged receivables"}]
