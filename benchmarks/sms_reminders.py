"""SMS reminders: 5,000 due reminders swept and dispatched to the fake SMS Broadcast over HTTP.

    .venv/bin/python benchmarks/sms_reminders.py                      # SQLite (var/bench-sms.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ncc_bench_sms .venv/bin/python benchmarks/sms_reminders.py

Builds a fresh database (Django's test-database machinery, dropped at the end) with two clinics
(Sydney and Perth) and their "day before at 9:00" rules. The sweep's query count is measured twice,
for 100 and for 5,000 due reminders, to show it does not grow with the number of reminders. Then
the 5,000 queued reminders are sent one request each to the fake gateway on loopback (the real
provider code, httpx, POST). NCC's overhead per message is the wall time of sweep + dispatch minus
the time spent waiting on the gateway (HTTP round trips), divided by the number of messages.
Finally the sweep runs twice more and every message the gateway received is checked for duplicates.
Last line: RESULT reminders=5000 per_second=... overhead_ms=... sweep_queries=... duplicates=...
"""

import os
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("NCC_TEST_DB", str(ROOT / "var" / "bench-sms.sqlite3"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

N = int(os.environ.get("BENCH_REMINDERS", "5000"))
SMALL = 100
SLOTS_PER_DAY = 40  # 15-minute slots from 8:00 to 18:00


def build(day, count, clinics, start_number):
    from accounts.models import User
    from clinics.models import Clinician
    from patients.models import Patient
    from scheduling.models import Appointment, AppointmentType

    review, _ = AppointmentType.objects.get_or_create(
        name="Review", defaults={"duration_minutes": 15, "price": "75.00"})
    rows = []
    per_clinic = count // len(clinics)
    for c_index, clinic in enumerate(clinics):
        n_clin = -(-per_clinic // SLOTS_PER_DAY)
        users = User.objects.bulk_create([
            User(email=f"b{start_number}-{clinic.pk}-{i}@walkeasy.example", first_name=f"Doc{i}",
                 role="clinician", password="!") for i in range(n_clin)])
        clinicians = Clinician.objects.bulk_create([Clinician(user=u) for u in users])
        Clinician.clinics.through.objects.bulk_create([
            Clinician.clinics.through(clinician=c, clinic=clinic) for c in clinicians])
        base = start_number + c_index * per_clinic
        patients = Patient.objects.bulk_create([
            Patient(number=base + i, first_name=f"Pat{i}", last_name="Bench",
                    date_of_birth=date(1980, 1, 1), home_clinic=clinic,
                    mobile=f"+614{base + i:08d}") for i in range(per_clinic)])
        tz = clinic.tz
        for i, patient in enumerate(patients):
            starts = datetime(day.year, day.month, day.day, 8, tzinfo=tz) + timedelta(
                minutes=15 * (i // n_clin))
            rows.append(Appointment(patient=patient, clinician=clinicians[i % n_clin],
                                    clinic=clinic, appointment_type=review, starts_at=starts,
                                    ends_at=starts + timedelta(minutes=15)))
    Appointment.objects.bulk_create(rows, batch_size=1000)
    return rows


def sweep_queries(now):
    from messaging import services

    with CaptureQueriesContext(connection) as ctx:
        queued = services.queue_due_reminders(now)
    return queued, len(ctx.captured_queries)


def main():
    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    from messaging import services
    from messaging.fake import FakeSMSBroadcast
    from messaging.models import Reminder, ReminderRule, SMSMessage
    from ncc import testing

    fake = FakeSMSBroadcast(balance=10 * N).start()
    settings.SMS_PROVIDER = "smsbroadcast"
    settings.SMSB_API_URL = fake.api_url
    settings.SMSB_USERNAME, settings.SMSB_PASSWORD = fake.username, fake.password
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    try:
        sydney = testing.make_clinic("Sydney CBD", "Australia/Sydney")
        perth = testing.make_clinic("Perth", "Australia/Perth", state="WA", postcode="6000")
        template = services.default_template()
        for clinic in (sydney, perth):
            ReminderRule.objects.create(clinic=clinic, template=template)
        # Sweep late in the Perth morning so both clinics are due (12:05 in Sydney).
        perth_tz = ZoneInfo("Australia/Perth")
        small_day, big_day = date(2031, 3, 4), date(2031, 3, 11)

        build(small_day, SMALL, [sydney, perth], 100_000)
        small_now = datetime(2031, 3, 3, 9, 5, tzinfo=perth_tz)
        small_queued, small_queries = sweep_queries(small_now)
        services.dispatch_queued(now=small_now)

        build(big_day, N, [sydney, perth], 200_000)
        fake.messages.clear()
        now = datetime(2031, 3, 10, 9, 5, tzinfo=perth_tz)
        started = time.perf_counter()
        queued, queries = sweep_queries(now)
        swept = time.perf_counter()
        stats = services.dispatch_queued(now=now)
        finished = time.perf_counter()

        again = [services.queue_due_reminders(now + timedelta(minutes=m)) for m in (5, 60)]
        per_appointment = Counter(
            SMSMessage.objects.filter(ref__in=[m.ref for m in fake.messages])
            .values_list("appointment_id", flat=True))
        gateway_dups = sum(n - 1 for n in per_appointment.values() if n > 1)
        refs = Counter(m.ref for m in fake.messages)
        ref_dups = sum(n - 1 for n in refs.values() if n > 1)
        reminder_dups = Reminder.objects.count() - len(
            set(Reminder.objects.values_list("appointment_id", "rule_id", "starts_at")))
        duplicates = gateway_dups + ref_dups + reminder_dups

        total = finished - started
        gateway = stats["gateway_seconds"]
        per_second = stats["sent"] / (finished - swept)
        overhead_ms = (total - gateway) / max(queued, 1) * 1000
        vendor = connection.vendor
        print(f"database: {vendor}")
        print(f"sweep of {small_queued} due reminders: {small_queries} queries")
        print(f"sweep of {queued} due reminders: {queries} queries, {swept - started:.2f} s")
        print(f"dispatch: sent {stats['sent']}, failed {stats['failed']}, retry "
              f"{stats['retry']}, unknown {stats['unknown']} in {finished - swept:.2f} s "
              f"({per_second:.0f} messages/s)")
        print(f"gateway round trips: {gateway:.2f} s in all, "
              f"{gateway / max(stats['sent'], 1) * 1000:.2f} ms each")
        print(f"NCC overhead per message (sweep + dispatch - gateway): {overhead_ms:.2f} ms")
        print(f"sweeps run again: queued {again}; gateway received {len(fake.messages)} "
              f"messages for {len(per_appointment)} appointments; duplicates {duplicates}")
        print(f"RESULT reminders={queued} per_second={per_second:.0f} "
              f"overhead_ms={overhead_ms:.2f} sweep_queries={queries} duplicates={duplicates}")
    finally:
        fake.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
