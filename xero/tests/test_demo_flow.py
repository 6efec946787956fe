"""The demo, over real HTTP: the fake Xero as `manage.py run_fake_xero` builds it, "Send to Xero"
on a new invoice, a payment recorded in the fake through its bookkeeper's page, and the sweep
bringing it back as Paid."""

import httpx
import pytest
from django.urls import reverse

from billing import services
from billing.models import InvoiceStatus
from xero.management.commands.run_fake_xero import build_fake
from xero.tasks import xero_invoice_sweep

from .conftest import SPEED, serve_to_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_xero(settings):
    """The demo's fake (run_fake_xero's construction) instead of the tests' own."""
    fake = serve_to_app(build_fake(speed=SPEED), settings)
    yield fake
    fake.stop()


def test_send_to_xero_then_a_payment_made_in_the_fake_comes_back_paid(
        xero_ready, completed_visit, mia_client):
    fake = xero_ready
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    sent = mia_client.post(reverse("xero:push_invoice", args=[invoice.pk]), follow=True)
    assert f"{invoice.number} is in Xero." in sent.content.decode()

    books = httpx.get(fake.url + "/fake-admin/")
    assert invoice.number in books.text and "Record payment" in books.text
    too_much = httpx.post(fake.url + "/fake-admin/pay",
                          json={"number": invoice.number, "amount": "500.00"})
    assert too_much.status_code == 400
    assert "exceeds the amount outstanding" in too_much.json()["Message"]
    paid = httpx.post(fake.url + "/fake-admin/pay", data={"number": invoice.number})
    assert paid.status_code == 200 and f"{invoice.number}: now PAID" in paid.text

    xero_invoice_sweep.call()  # one cycle of the worker's periodic sweep
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    page = mia_client.get(invoice.get_absolute_url()).content.decode()
    assert "Recorded in Xero" in page
