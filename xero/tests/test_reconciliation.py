"""The reconciliation page: what differs between NCC and Xero, in words, with a re-sync each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from ncc import testing
from xero.invoices import push_invoices, sweep_invoice_changes
from xero.models import XeroInvoiceLink, XeroOrphanInvoice, XeroTrackingMapping
from xero.queries import xero_difference_count

pytestmark = pytest.mark.django_db


def test_differences_are_listed_and_re_sync_settles_them(
        xero_ready, sam_client, john_smith, ben_clinician, sydney_cbd, review_type,
        completed_visit):
    more = [testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                     completed_visit.starts_at + timedelta(days=d),
                                     status="completed") for d in (1, 2, 3)]
    unsent = services.create_invoice_for_appointment(completed_visit.pk)
    voided, edited, refused = (services.create_invoice_for_appointment(a.pk) for a in more)
    push_invoices([voided.pk, edited.pk])
    services.void_invoice(voided.pk)  # its Xero void task never ran
    XeroInvoiceLink.objects.filter(invoice=edited).update(xero_total=Decimal("70.00"))
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Nowhere")
    push_invoices([refused.pk])
    XeroTrackingMapping.objects.filter(clinic=sydney_cbd).update(option_name="Sydney CBD")

    page = sam_client.get(reverse("xero:reconcile")).content.decode()
    assert xero_difference_count() == 4
    assert "Not in Xero yet." in page and unsent.number in page
    assert "Voided in NCC but Authorised in Xero." in page
    assert "Total differs: NCC $75.00, Xero $70.00." in page
    assert "Xero refused it: Tracking option Nowhere" in page

    for invoice in (unsent, voided, edited, refused):
        response = sam_client.post(reverse("xero:resync_invoice", args=[invoice.pk]), follow=True)
        assert response.status_code == 200
    assert xero_difference_count() == 0
    assert "NCC and Xero agree on every invoice." in sam_client.get(
        reverse("xero:reconcile")).content.decode()
    held = {h["InvoiceNumber"]: h for h in xero_ready.invoices()}
    assert len(held) == 4 and held[voided.number]["Status"] == "VOIDED"


def test_clinicians_cannot_open_the_reconciliation(ben_client):
    assert ben_client.get(reverse("xero:reconcile")).status_code == 403


def test_the_sweep_finds_xero_invoices_ncc_lacks_and_the_page_lists_them(
        xero_ready, sam_client, completed_visit):
    ours = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([ours.pk])
    stray = xero_ready.add_invoice("INV-990001", total="120.00")
    xero_ready.add_invoice("BOOKKEEPER-7")  # not numbered like ours

    result = sweep_invoice_changes()
    assert result.calls == 1
    [orphan] = XeroOrphanInvoice.objects.all()
    assert (orphan.number, orphan.xero_invoice_id, str(orphan.total), orphan.status) == (
        "INV-990001", stray["InvoiceID"], "120.00", "AUTHORISED")
    assert xero_difference_count() == 1

    page = sam_client.get(reverse("xero:reconcile")).content.decode()
    assert "In Xero but not in NCC" in page and "INV-990001" in page
    assert orphan.xero_url in page and "NCC and Xero agree" not in page

    sweep_invoice_changes()  # seen again: still one row
    assert XeroOrphanInvoice.objects.count() == 1
