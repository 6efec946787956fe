"""Bulk contact sync of 10,000 patients to the fake Xero with Xero's real limits.

Limits as Xero enforces them per organisation: 60 calls a minute, 5 in flight, 5,000 a day. The
fake's clock runs BENCH_SPEED times faster than real time (default 5), and so does our pacing
(XERO_CLOCK_SPEED), so the run takes real seconds while the figures are in simulated minutes.

    .venv/bin/python benchmarks/xero_bulk_sync.py

Figures: API calls the fake received (429s included), 429s, duplicate contacts (contacts sharing
a ContactNumber, plus contacts beyond one per patient), simulated minutes from the first API call
to the last reply, and the floor. The floor: the optimum is ceil(10,000 / 50) = 200 calls; with
60 calls allowed per minute window, the 200th call cannot start before (ceil(200/60) - 1) = 3
windows have passed, so no client can finish in under 3 simulated minutes.

The database is a throw-away SQLite file (var/bench-xero.sqlite3) unless DATABASE_URL is set.
"""

import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _throwaway import prepare  # noqa: E402

prepare("bench-xero")

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
SPEED = float(os.environ.get("BENCH_SPEED", "5"))
PER_MINUTE, IN_FLIGHT, BATCH = 60, 5, 50


def main():
    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count

    from clinics.models import Clinic
    from patients.models import Patient
    from xero import client, services
    from xero.fake import FakeXero
    from xero.models import XeroContactLink, XeroSyncJob

    call_command("migrate", verbosity=0)
    fake = FakeXero(speed=SPEED, minute_limit=PER_MINUTE, concurrent_limit=IN_FLIGHT,
                    day_limit=5000).start()
    for key, value in fake.settings().items():
        setattr(settings, key, value)
    settings.XERO_CLOCK_SPEED = SPEED
    settings.XERO_MINUTE_LIMIT, settings.XERO_MAX_IN_FLIGHT = PER_MINUTE, IN_FLIGHT
    settings.XERO_REDIRECT_URI = "http://127.0.0.1/xero/callback/"

    # Patients: distinct names, half with email, most with a mobile, some with an address.
    Patient.objects.all().delete()
    clinic = Clinic.objects.first() or Clinic.objects.create(
        name="Walk Easy Bench", short_name="Bench", address_line="1 Pitt St", suburb="Sydney",
        state="NSW", postcode="2000", phone="+61292314455", time_zone="Australia/Sydney")
    first = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack"]
    rows = []
    for i in range(PATIENTS):
        rows.append(Patient(
            number=100000 + i, first_name=f"{first[i % 10]}", last_name=f"Walker{i:05d}",
            date_of_birth="1970-01-01", home_clinic=clinic,
            email=f"patient{i}@example.com" if i % 2 else "",
            mobile=f"+614{i:08d}" if i % 7 else "",
            address_line=f"{i} George St" if i % 3 == 0 else "",
            suburb="Sydney" if i % 3 == 0 else "", state="NSW" if i % 3 == 0 else "",
            postcode="2000" if i % 3 == 0 else ""))
    Patient.objects.bulk_create(rows, batch_size=1000)
    print(f"patients: {Patient.objects.count()}")

    url = client.authorize_url({"response_type": "code", "client_id": settings.XERO_CLIENT_ID,
                                "redirect_uri": settings.XERO_REDIRECT_URI,
                                "scope": settings.XERO_SCOPES, "state": "bench"})
    code = httpx.URL(httpx.get(url + "&allow=1").headers["location"]).params["code"]
    conn = services.complete_connection(actor=None, code=code)
    print(f"connected: {conn.tenant_name}")

    job = XeroSyncJob.objects.create(total=PATIENTS)
    started = time.monotonic()
    last = [0.0]

    def progress(result):
        now = time.monotonic()
        if now - last[0] > 1.0:
            last[0] = now
            print(f"  {result.synced + result.failed}/{PATIENTS} synced={result.synced} "
                  f"failed={result.failed} calls={result.calls} "
                  f"simulated_min={fake.simulated_minutes():.2f}", flush=True)

    job = services.run_sync_job(job.pk, progress=progress)
    real_s = time.monotonic() - started
    fake.stop()

    contacts = fake.contacts()
    numbers = [c.get("ContactNumber") for c in contacts]
    duplicates = (len(numbers) - len(set(numbers))) + max(0, len(contacts) - PATIENTS)
    linked = XeroContactLink.objects.filter(status="synced").exclude(contact_id="").count()
    shared = XeroContactLink.objects.exclude(contact_id="").values("contact_id").annotate(
        n=Count("id")).filter(n__gt=1).count()
    calls = fake.stats["api_calls"]
    http_429 = fake.stats["http_429"]
    simulated = fake.simulated_minutes()
    optimum = math.ceil(PATIENTS / BATCH)
    floor = float(math.ceil(optimum / PER_MINUTE) - 1)
    print(f"job: {job.get_status_display()} - {job.message}")
    print(f"contacts in Xero: {len(contacts)}; patients linked: {linked}; links sharing a "
          f"contact: {shared}")
    print(f"API calls: {calls} (optimum {optimum}); by endpoint: {fake.stats['calls_by_path']}")
    print(f"429s: {http_429}; token refreshes: {fake.stats['token_refreshes']}; most calls "
          f"in flight at once: {fake.stats['max_in_flight']} (limit {IN_FLIGHT})")
    print(f"simulated minutes: {simulated:.3f} (floor {floor:.1f}, +{100 * (simulated - floor) / max(floor, 1e-9):.1f}%); "
          f"real seconds: {real_s:.1f} at clock x{SPEED:g}")
    ok = (calls <= 210 and duplicates == 0 and linked == PATIENTS and simulated <= floor * 1.1
          and fake.stats["max_in_flight"] <= IN_FLIGHT)
    print("PASS" if ok else "FAIL: see the figures above")
    print(f"RESULT patients={PATIENTS} calls={calls} http_429={http_429} duplicates={duplicates} "
          f"simulated_min={simulated:.2f} floor_min={floor:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
