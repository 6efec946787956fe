"""Push 2,000 invoices to the fake Xero, pay them all there, and check all 2,000 for payment,
with Xero's real limits (60 calls a minute, 5 in flight, 5,000 a day).

The fake's clock runs BENCH_SPEED times faster than real time (default 5), and so does our pacing,
so the run takes real seconds while the figures are in simulated minutes.

    .venv/bin/python benchmarks/xero_invoices.py

Figures: calls to push (floor: 2,000 / 50 = 40), calls to check for payment (floor: 20 pages of
100; one call per invoice would be 2,000), 429s, duplicate invoices in Xero (numbers held twice,
plus invoices beyond one per NCC invoice), invoices NCC shows paid after the check, and simulated
minutes of each phase. Patients are synced as contacts first (not counted in push_calls).

The database is a throw-away SQLite file (var/bench-xero-invoices.sqlite3) unless DATABASE_URL
is set.
"""

import math
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _throwaway import prepare  # noqa: E402

prepare("bench-xero-invoices")

INVOICES = int(os.environ.get("BENCH_INVOICES", "2000"))
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "400"))
SPEED = float(os.environ.get("BENCH_SPEED", "5"))
PER_MINUTE, IN_FLIGHT, BATCH, PAGE = 60, 5, 50, 100


def main():
    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.core.management import call_command

    from billing import services as billing
    from billing.models import Invoice
    from ncc import testing
    from patients.models import Patient
    from scheduling.models import Appointment, AppointmentType
    from xero import client, services
    from xero.fake import FakeXero
    from xero.invoices import InvoicePush, sweep_invoice_changes
    from xero.models import XeroInvoiceLink, XeroItemMapping, XeroTrackingMapping
    from xero.services import ContactSync

    call_command("migrate", verbosity=0)
    fake = FakeXero(speed=SPEED, minute_limit=PER_MINUTE, concurrent_limit=IN_FLIGHT,
                    day_limit=5000).start()
    for key, value in fake.settings().items():
        setattr(settings, key, value)
    settings.XERO_CLOCK_SPEED = SPEED
    settings.XERO_MINUTE_LIMIT, settings.XERO_MAX_IN_FLIGHT = PER_MINUTE, IN_FLIGHT
    settings.XERO_REDIRECT_URI = "http://127.0.0.1/xero/callback/"
    settings.BILLING_XERO_BATCH_SIZE = BATCH

    url = client.authorize_url({"response_type": "code", "client_id": settings.XERO_CLIENT_ID,
                                "redirect_uri": settings.XERO_REDIRECT_URI,
                                "scope": settings.XERO_SCOPES, "state": "bench"})
    code = httpx.URL(httpx.get(url + "&allow=1").headers["location"]).params["code"]
    conn = services.complete_connection(actor=None, code=code)

    # The practice: one clinic mapped to the Location option, one mapped appointment type.
    clinic = testing.make_clinic("Sydney CBD", "Australia/Sydney")
    kind = AppointmentType.objects.create(name="Review (bench)", duration_minutes=30,
                                          price="75.00")
    XeroItemMapping.objects.create(appointment_type=kind, account_code="200", tax_type="OUTPUT")
    category = fake.org.tracking[0]
    option = next(o for o in category["Options"] if o["Name"] == "Sydney CBD")
    XeroTrackingMapping.objects.create(
        clinic=clinic, category_id=category["TrackingCategoryID"],
        category_name=category["Name"], option_id=option["TrackingOptionID"],
        option_name=option["Name"])
    clinicians = [testing.make_clinician(f"Bench{i}", [clinic]) for i in range(8)]
    patients = [Patient(number=200000 + i, first_name="Pat", last_name=f"Bench{i:05d}",
                        date_of_birth="1970-01-01", home_clinic=clinic,
                        mobile=f"+614{i:08d}") for i in range(PATIENTS)]
    Patient.objects.bulk_create(patients, batch_size=1000)
    patients = list(Patient.objects.filter(number__gte=200000).order_by("number"))
    start = datetime(2026, 3, 2, 8, 0, tzinfo=clinic.tz)
    appointments = [Appointment(
        patient=patients[i % PATIENTS], clinician=clinicians[i % len(clinicians)], clinic=clinic,
        appointment_type=kind, status="completed",
        starts_at=start + timedelta(minutes=30 * (i // len(clinicians))),
        ends_at=start + timedelta(minutes=30 * (i // len(clinicians)) + 30))
        for i in range(INVOICES)]
    Appointment.objects.bulk_create(appointments, batch_size=1000)
    began = time.monotonic()
    ids = [billing.create_invoice_for_appointment(a.pk).pk for a in appointments]
    print(f"invoices created in NCC: {len(ids)} in {time.monotonic() - began:.1f} s", flush=True)

    began = time.monotonic()
    ContactSync(conn).run([p.pk for p in patients])
    contact_calls = fake.stats["api_calls"]
    print(f"contacts synced: {len(fake.contacts())} with {contact_calls} calls "
          f"({time.monotonic() - began:.1f} s)", flush=True)

    # Phase 1: push every invoice.
    fake.stats["first_call_at"] = None
    calls_before, too_many_before = fake.stats["api_calls"], fake.stats["http_429"]
    push = InvoicePush(conn)
    began = time.monotonic()
    try:
        pushed = push.run(ids)
    finally:
        push.close()
    push_real = time.monotonic() - began
    push_minutes = fake.simulated_minutes()
    push_http = fake.stats["api_calls"] - calls_before
    push_calls = pushed.push_calls + pushed.lookup_calls
    print(f"push: synced={pushed.synced} failed={pushed.failed} calls={push_calls} "
          f"(writes {pushed.push_calls}, lookups {pushed.lookup_calls}; fake saw {push_http}) "
          f"simulated_min={push_minutes:.2f} real_s={push_real:.1f}", flush=True)

    # Phase 2: every invoice paid in Xero, then one sweep checks them all.
    for number in Invoice.objects.filter(pk__in=ids).values_list("number", flat=True):
        fake.pay(number)
    fake.stats["first_call_at"] = None
    calls_before = fake.stats["api_calls"]
    began = time.monotonic()
    pulled = sweep_invoice_changes()
    check_real = time.monotonic() - began
    check_minutes = fake.simulated_minutes()
    paid = Invoice.objects.filter(pk__in=ids, status="paid").count()
    appointments_paid = Appointment.objects.filter(pk__in=[a.pk for a in appointments],
                                                   is_paid=True).count()
    print(f"check: calls={pulled.calls} (fake saw {fake.stats['api_calls'] - calls_before}) "
          f"invoices seen={pulled.seen} newly paid={pulled.updated} "
          f"simulated_min={check_minutes:.2f} real_s={check_real:.1f}", flush=True)
    fake.stop()

    held = fake.invoices()
    numbers = [h["InvoiceNumber"] for h in held]
    duplicates = (len(numbers) - len(set(numbers))) + max(0, len(held) - INVOICES)
    http_429 = fake.stats["http_429"] - too_many_before
    synced = XeroInvoiceLink.objects.filter(status="synced").count()
    push_floor, check_floor = math.ceil(INVOICES / BATCH), math.ceil(INVOICES / PAGE)
    print(f"Xero holds {len(held)} invoices for {INVOICES} in NCC; synced links {synced}; "
          f"NCC paid {paid}; appointments paid {appointments_paid}")
    print(f"floors: push {push_floor} calls, check {check_floor} calls "
          f"(one call per invoice: {INVOICES} each)")
    ok = (duplicates == 0 and synced == INVOICES and paid == INVOICES
          and push_calls <= push_floor + 2 and pulled.calls <= check_floor + 1)
    print("PASS" if ok else "FAIL: see the figures above")
    print(f"RESULT invoices={INVOICES} push_calls={push_calls} check_calls={pulled.calls} "
          f"http_429={http_429} duplicates={duplicates} push_sim_min={push_minutes:.2f} "
          f"check_sim_min={check_minutes:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
