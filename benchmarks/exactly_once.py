"""Exactly once through faults: 500 invoices, 500 payments and 100 credits with refunds pushed to
the fake Xero, and 500 SMS sent through the fake SMS Broadcast, with one reply in five lost, one
write in ten applied only after the client gave up, and a second worker racing the first (and a
sweep after them). Afterwards each element is counted in the fake's own records.

    .venv/bin/python benchmarks/exactly_once.py          (BENCH_SCALE=0.1 for a quick run)

Prints per kind: elements, copies the service holds, duplicates, lost, left "outcome unknown",
calls; ends with RESULT writes=... duplicates=... lost=... unknown_left=... calls=... where
unknown_left counts Xero writes still unknown (none when the sweep's bounded waits suffice) plus
SMS that stay unknown because SMS Broadcast took nothing (a receipt settles the others); calls
counts requests to both services. Throw-away SQLite file unless DATABASE_URL is set.
"""

import os
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _throwaway import prepare  # noqa: E402

prepare("bench-exactly-once")

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
INVOICES = max(10, int(500 * SCALE))
CREDITS = max(2, int(100 * SCALE))
SMS = max(10, int(500 * SCALE))
TIMEOUT = 1.0  # the clients give up after this; a slow write is applied 0.5 s later


def race(*jobs) -> None:
    from django.db import connection

    from xero.client import XeroError

    def run(job):
        try:
            job()
        except XeroError as exc:
            print(f"  a worker stopped: {exc.message}", flush=True)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main():  # noqa: PLR0915 (one straight script)
    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.core.management import call_command

    from billing import services as billing
    from messaging import services as sms
    from messaging.fake.server import FakeSMSBroadcast
    from ncc import testing
    from patients.models import Patient
    from scheduling.models import Appointment
    from xero import client, services
    from xero.credit_notes import push_credit_note, push_unsent_credit_notes
    from xero.fake import FakeXero
    from xero.invoices import (
        push_invoices,
        push_payments,
        push_unsent_invoices,
        push_unsent_payments,
    )
    from xero.models import XeroCreditNoteLink, XeroInvoiceLink, XeroItemMapping, XeroPaymentLink
    from xero.services import ContactSync

    call_command("migrate", verbosity=0)
    began_all = time.monotonic()
    fake = FakeXero(speed=600).start()
    for key, value in fake.settings().items():
        setattr(settings, key, value)
    settings.XERO_CLOCK_SPEED = 600
    settings.XERO_REDIRECT_URI = "http://127.0.0.1/xero/callback/"
    settings.XERO_BACKOFF_SECONDS = 0.01
    settings.XERO_TIMEOUT_SECONDS = TIMEOUT
    settings.XERO_SETTLE_SECONDS = TIMEOUT + 1.0
    settings.XERO_SETTLE_WAIT_SECONDS = 10.0
    settings.BILLING_XERO_BATCH_SIZE = 10
    url = client.authorize_url({"response_type": "code", "client_id": settings.XERO_CLIENT_ID,
                                "redirect_uri": settings.XERO_REDIRECT_URI,
                                "scope": settings.XERO_SCOPES, "state": "bench"})
    code = httpx.URL(httpx.get(url + "&allow=1").headers["location"]).params["code"]
    conn = services.complete_connection(actor=None, code=code)

    clinic = testing.make_clinic("Sydney CBD", "Australia/Sydney")
    kind = testing.make_type("Review (bench)", 30, "75.00", tax_treatment="taxable")
    XeroItemMapping.objects.create(appointment_type=kind, account_code="200", tax_type="OUTPUT")
    clinician = testing.make_clinician("Bench", [clinic])
    count = max(INVOICES, SMS)
    Patient.objects.bulk_create([Patient(
        number=300000 + i, first_name="Pat", last_name=f"Bench{i:05d}",
        date_of_birth="1970-01-01", home_clinic=clinic, mobile=f"+61412{i:06d}")
        for i in range(count)])
    patients = list(Patient.objects.filter(number__gte=300000).order_by("number"))
    start = datetime(2026, 3, 2, 8, 0, tzinfo=clinic.tz)
    Appointment.objects.bulk_create([Appointment(
        patient=patients[i], clinician=clinician, clinic=clinic, appointment_type=kind,
        status="completed", starts_at=start + timedelta(minutes=30 * i),
        ends_at=start + timedelta(minutes=30 * i + 30)) for i in range(INVOICES)])
    appointments = list(Appointment.objects.order_by("starts_at"))
    invoice_ids = [billing.create_invoice_for_appointment(a.pk).pk for a in appointments]
    ContactSync(conn).run([p.pk for p in patients[:INVOICES]])  # contacts: their own benchmark
    print(f"set-up: {INVOICES} invoices and their contacts "
          f"({time.monotonic() - began_all:.0f} s)", flush=True)

    # The faults, on every write from here on: one reply in five lost (the write applied), one
    # write in ten applied only after the client gave up.
    fake.inject("drop", method="PUT", every=5)
    fake.inject("slow", method="PUT", every=10, delay=TIMEOUT + 0.5)
    calls_before = fake.stats["api_calls"]

    def until_settled(sweep, links, rounds=8):
        for _ in range(rounds):
            if not links().exclude(status="synced").exists():
                return
            race(sweep)

    began = time.monotonic()
    race(lambda: push_invoices(invoice_ids), lambda: push_invoices(list(reversed(invoice_ids))),
         push_unsent_invoices)
    until_settled(push_unsent_invoices,
                  lambda: XeroInvoiceLink.objects.filter(invoice_id__in=invoice_ids))
    print(f"invoices pushed ({time.monotonic() - began:.0f} s)", flush=True)

    began = time.monotonic()
    payment_ids = [billing.record_payment(pk, amount="75.00", method="card").pk
                   for pk in invoice_ids]
    race(lambda: push_payments(payment_ids), lambda: push_payments(list(reversed(payment_ids))),
         push_unsent_payments)
    until_settled(push_unsent_payments,
                  lambda: XeroPaymentLink.objects.filter(payment_id__in=payment_ids))
    print(f"payments pushed ({time.monotonic() - began:.0f} s)", flush=True)

    began = time.monotonic()
    note_ids = [billing.credit_invoice(pk, "75.00", "Bench refund", None,
                                       refund_method="card").pk
                for pk in invoice_ids[:CREDITS]]

    def credits(ids):
        return lambda: [push_credit_note(pk) for pk in ids]
    race(credits(note_ids), credits(list(reversed(note_ids))), push_unsent_credit_notes)
    until_settled(push_unsent_credit_notes,
                  lambda: XeroCreditNoteLink.objects.filter(credit_note_id__in=note_ids))
    print(f"credits with refunds pushed ({time.monotonic() - began:.0f} s)", flush=True)
    fake.clear_faults()
    xero_calls = fake.stats["api_calls"] - calls_before

    # Count in Xero's own records.
    from billing.models import CreditNote, Invoice, Payment

    def tally(name, keys, held_keys, unknown):
        held: dict = {}
        for key in held_keys:
            held[key] = held.get(key, 0) + 1
        dup = sum(max(0, held.get(k, 0) - 1) for k in keys)
        lost = sum(1 for k in keys if not held.get(k))
        print(f"{name}: elements={len(keys)} held={sum(held.get(k, 0) for k in keys)} "
              f"duplicates={dup} lost={lost} unknown_left={unknown}", flush=True)
        return dup, lost, unknown

    live = [x for x in fake.payments() if x.get("Status") != "DELETED"]
    numbers = list(Invoice.objects.filter(pk__in=invoice_ids).values_list("number", flat=True))
    refs = [f"NCC {pk}" for pk in Payment.objects.filter(pk__in=payment_ids).values_list(
        "pk", flat=True)]
    notes = list(CreditNote.objects.filter(pk__in=note_ids).values_list("number", flat=True))
    results = [
        tally("invoices", numbers, [i["InvoiceNumber"] for i in fake.invoices()],
              XeroInvoiceLink.objects.filter(outcome_unknown=True).count()),
        tally("payments", refs, [p.get("Reference", "") for p in live],
              XeroPaymentLink.objects.filter(outcome_unknown=True).count()),
        tally("credit notes", notes, [c["CreditNoteNumber"] for c in fake.credit_notes()],
              XeroCreditNoteLink.objects.filter(outcome_unknown=True).count()),
        tally("refunds", [f"NCC refund {n}" for n in notes],
              [p.get("Reference", "") for p in live if p.get("PaymentType") == "ARCREDITPAYMENT"],
              0),
    ]
    fake.stop()

    # SMS: one per patient through messaging's own send service and its fake gateway.
    began = time.monotonic()
    gateway = FakeSMSBroadcast(fault_rates={"reset_after": 0.2, "slow": 0.1}, seed=11,
                               slow_seconds=TIMEOUT + 0.5).start()
    settings.SMS_PROVIDER = "smsbroadcast"
    settings.SMSB_API_URL = gateway.api_url
    settings.SMSB_USERNAME, settings.SMSB_PASSWORD = gateway.username, gateway.password
    settings.SMSB_TIMEOUT_SECONDS = TIMEOUT
    rows = sms.queue_many(patients[:SMS], "Your orthotics are ready.", clinic=clinic)
    race(sms.dispatch_queued, sms.dispatch_queued)
    race(sms.dispatch_queued)  # the sweep
    gateway.wait_idle()
    for message in list(gateway.messages):  # delivery receipts settle what the gateway took
        sms.record_receipt(ref=message.ref, smsref=message.smsref, status="Delivered")
    counted = sms.tally([r.pk for r in rows], copies=gateway.copies)
    sms_calls = gateway.requests
    print(f"sms: elements={counted['messages']} sent={counted['sent']} "
          f"duplicates={counted['duplicates']} lost={counted['lost']} "
          f"unknown_left={counted['unknown']} ({time.monotonic() - began:.0f} s)", flush=True)
    gateway.stop()
    results.append((counted["duplicates"], counted["lost"], counted["unknown"]))

    writes = len(numbers) + len(refs) + len(notes) + counted["messages"]
    print(f"total {time.monotonic() - began_all:.0f} s", flush=True)
    print(f"RESULT writes={writes} duplicates={sum(r[0] for r in results)} "
          f"lost={sum(r[1] for r in results)} unknown_left={sum(r[2] for r in results)} "
          f"calls={xero_calls + sms_calls}")


if __name__ == "__main__":
    main()
