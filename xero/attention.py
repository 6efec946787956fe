"""What the owner's dashboard lists under "Needs attention" for Xero."""

from django.urls import reverse

from .models import XeroConnection, XeroContactLink
from .queries import xero_difference_count


def xero_attention(request) -> list[dict]:
    url = reverse("xero:settings")
    needs_reauth = XeroConnection.objects.filter(
        status=XeroConnection.Status.NEEDS_REAUTH).count()
    failed = XeroContactLink.objects.filter(status=XeroContactLink.Status.FAILED).count()
    items = [
        {"label": "Xero connection needs reconnecting: nothing reaches Xero until it is",
         "count": needs_reauth, "url": url, "action": "Reconnect Xero"},
        {"label": "patients Xero did not accept as contacts", "count": failed, "url": url,
         "action": "See Xero's reasons"},
    ]
    if XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
        # Only when connected: before that nothing is expected in Xero yet.
        items.append({"label": "invoices that differ between NCC and Xero",
                      "count": xero_difference_count(), "url": reverse("xero:reconcile"),
                      "action": "Reconcile"})
    return items
