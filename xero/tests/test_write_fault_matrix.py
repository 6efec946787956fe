"""The fault matrix: for each write NCC makes to Xero (contact, invoice, payment, credit note,
refund) and each fault Xero produces (a write applied after the client gave up, applied with
its reply lost, a reply lost before the write, 429 with Retry-After, 500, a reset after the body
was read), two workers and the sweep push the same element at once against the fake over real
HTTP, and Xero ends with exactly one copy of it. (The SMS cells: messaging/tests.)"""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing import services
from xero.client import XeroError
from xero.credit_notes import push_credit_note, push_unsent_credit_notes
from xero.invoices import (
    push_invoices,
    push_payments,
    push_unsent_invoices,
    push_unsent_payments,
)
from xero.models import (
    XeroContactLink,
    XeroCreditNoteLink,
    XeroInvoiceLink,
    XeroPaymentLink,
)
from xero.services import ContactSync

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 1.0  # the client gives up after this
FAULTS = {
    "applied_after_timeout": dict(kind="slow", delay=TIMEOUT + 0.6),
    "applied_reply_lost": dict(kind="drop"),
    "reply_lost_before_write": dict(kind="drop_before"),
    "429_retry_after": dict(kind="429", problem="minute", retry_after=2),
    "500": dict(kind="500"),
    "reset_after_body": dict(kind="reset"),
}
WRITES = {  # the request each write kind makes: the fault hits its first one
    "contact": ("POST", "/Contacts"),
    "invoice": ("PUT", "/Invoices"),
    "payment": ("PUT", "/Payments"),
    "credit_note": ("PUT", "/CreditNotes"),
    "refund": ("PUT", "/Payments"),
}


@pytest.fixture
def quick_settle(settings):
    settings.XERO_TIMEOUT_SECONDS = TIMEOUT
    settings.XERO_SETTLE_SECONDS = TIMEOUT + 1.0  # past the slow write's delay
    settings.XERO_SETTLE_WAIT_SECONDS = 8.0


def race(*pushes) -> list:
    """Run the pushes at the same moment in threads (workers and the sweep); Xero errors a push
    gives up with are returned (the next sweep finishes the job)."""
    barrier = threading.Barrier(len(pushes))
    gave_up = []

    def run(push):
        try:
            barrier.wait(timeout=10)
            push()
        except XeroError as exc:
            gave_up.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(push,)) for push in pushes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return gave_up


def until_settled(sweep, is_done, rounds: int = 6) -> None:
    """Later sweeps: whatever a racer left "outcome unknown" is settled by lookup."""
    for _ in range(rounds):
        if is_done():
            return
        with contextlib.suppress(XeroError):  # Xero busy: the next sweep tries again
            sweep()
    assert is_done()


def copies(items, matches) -> int:
    return sum(1 for item in items if matches(item) and item.get("Status") != "DELETED")


def _invoice(completed_visit, push=True):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    if push:
        assert push_invoices([invoice.pk]).synced == 1
    return invoice


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("write", WRITES)
def test_two_workers_and_the_sweep_leave_exactly_one_copy_in_xero(
        write, fault, xero_ready, completed_visit, quick_settle):
    fake = xero_ready
    method, path = WRITES[write]

    def inject():
        fake.inject(method=method, path=path, times=1, **FAULTS[fault])

    if write == "contact":
        patient = completed_visit.patient
        inject()
        conn = xero_ready_connection()

        def sync():
            ContactSync(conn).run([patient.pk])
        race(sync, sync, sync)
        until_settled(sync, lambda: XeroContactLink.objects.filter(
            patient=patient).exclude(contact_id="").exists())
        link = XeroContactLink.objects.get(patient=patient)
        assert copies(fake.contacts(), lambda c: c.get("ContactNumber") == link.contact_number) \
            == 1

    elif write == "invoice":
        invoice = _invoice(completed_visit, push=False)
        ContactSync(xero_ready_connection()).run([invoice.patient_id])
        inject()
        race(lambda: push_invoices([invoice.pk]), lambda: push_invoices([invoice.pk]),
             push_unsent_invoices)
        until_settled(push_unsent_invoices, lambda: XeroInvoiceLink.objects.filter(
            invoice=invoice, status="synced").exists())
        assert copies(fake.invoices(), lambda i: i["InvoiceNumber"] == invoice.number) == 1

    elif write == "payment":
        invoice = _invoice(completed_visit)
        payment = services.record_payment(invoice.pk, amount="75.00", method="card")
        inject()
        race(lambda: push_payments([payment.pk]), lambda: push_payments([payment.pk]),
             push_unsent_payments)
        until_settled(push_unsent_payments, lambda: XeroPaymentLink.objects.filter(
            payment=payment, status="synced").exists())
        assert copies(fake.payments(),
                      lambda p: p.get("Reference", "").startswith(f"NCC {payment.pk}")) == 1
        [held] = [i for i in fake.invoices() if i["InvoiceNumber"] == invoice.number]
        assert Decimal(str(held["AmountPaid"])) == Decimal("75.00")

    else:  # a credit note kept on account (allocated), or money handed back (a refund)
        invoice = _invoice(completed_visit)
        payment = services.record_payment(invoice.pk, amount="40.00", method="card")
        assert push_payments([payment.pk]).synced == 1
        method = "none" if write == "credit_note" else "card"
        note = services.credit_invoice(invoice.pk, "40.00", "Fault matrix", None,
                                       refund_method=method)
        inject()
        race(lambda: push_credit_note(note.pk), lambda: push_credit_note(note.pk),
             push_unsent_credit_notes)
        until_settled(push_unsent_credit_notes, lambda: XeroCreditNoteLink.objects.filter(
            credit_note=note, status="synced").exists())
        held = [c for c in fake.credit_notes() if c["CreditNoteNumber"] == note.number]
        assert len(held) == 1
        if write == "credit_note":
            assert [Decimal(str(a["Amount"])) for a in held[0]["Allocations"]] == [
                Decimal("35.00")]  # at most what the invoice still owed
        else:
            assert copies(fake.payments(), lambda p: p.get("Reference") ==
                          f"NCC refund {note.number}") == 1
            assert Decimal(str(held[0]["RemainingCredit"])) == 0


def xero_ready_connection():
    from xero.services import active_connection

    return active_connection()
