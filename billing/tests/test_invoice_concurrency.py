"""Two receptionists press "Create invoice" for the same appointment at the same moment: one
invoice, and the other is told which one."""

import threading

import pytest
from django.db import connection

from billing import services
from billing.errors import BillingError
from billing.models import Invoice

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_creates_make_one_invoice(completed_visit):
    barrier = threading.Barrier(2)
    outcomes = []

    def create():
        try:
            barrier.wait(timeout=5)
            invoice = services.create_invoice_for_appointment(completed_visit.pk)
            outcomes.append(("created", invoice.number))
        except BillingError as exc:
            outcomes.append((exc.code, exc.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(kind for kind, _ in outcomes) == ["already_invoiced", "created"]
    assert Invoice.objects.count() == 1
