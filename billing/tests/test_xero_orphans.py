"""Reconciliation's other side: invoices in Xero numbered like ours that NCC lacks."""

import pytest
from django.urls import reverse

from billing import services
from billing.models import XeroOrphanInvoice
from billing.queries import xero_difference_count
from billing.tests import fake_xero_invoices
from billing.xero_push import push_invoices, sweep_invoice_changes

pytestmark = pytest.mark.django_db


def test_the_sweep_finds_xero_invoices_ncc_lacks_and_the_page_lists_them(
        xero_ready, sam_client, completed_visit):
    ours = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([ours.pk])
    stray = fake_xero_invoices.add_invoice(xero_ready, "INV-990001", total="120.00")
    fake_xero_invoices.add_invoice(xero_ready, "BOOKKEEPER-7")  # not numbered like ours

    result = sweep_invoice_changes()
    assert result.calls == 1
    [orphan] = XeroOrphanInvoice.objects.all()
    assert (orphan.number, orphan.xero_invoice_id, str(orphan.total), orphan.status) == (
        "INV-990001", stray["InvoiceID"], "120.00", "AUTHORISED")
    assert xero_difference_count() == 1

    page = sam_client.get(reverse("billing:reconcile")).content.decode()
    assert "In Xero but not in NCC" in page and "INV-990001" in page
    assert orphan.xero_url in page and "NCC and Xero agree" not in page

    sweep_invoice_changes()  # seen again: still one row
    assert XeroOrphanInvoice.objects.count() == 1
