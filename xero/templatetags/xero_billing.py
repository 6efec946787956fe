from django import template

from ..invoices import xero_connected
from ..models import XeroInvoiceLink

register = template.Library()


@register.inclusion_tag("xero/_invoice_status.html", takes_context=True)
def xero_invoice_panel(context, invoice):
    """The Xero card of the invoice page (billing.extensions.INVOICE_PANELS): where the invoice
    stands in Xero, Xero's refusal in words, and the button that sends it (or checks again)."""
    return {"invoice": invoice, "perms": context.get("perms"),
            "csrf_token": context.get("csrf_token"),
            "xero_link": XeroInvoiceLink.objects.filter(invoice=invoice).first(),
            "xero_connected": xero_connected()}
