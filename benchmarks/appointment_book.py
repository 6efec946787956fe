"""The appointment book on PostgreSQL: day view of a clinic with 8 clinicians and 120
appointments, week view of one clinician with 400, with 10,000 and then 1,000,000 appointments in
the database.

    .venv/bin/python benchmarks/appointment_book.py            # about 2-4 minutes on 2 cores
    BENCH_TOTAL_BIG=200000 .venv/bin/python benchmarks/appointment_book.py   # quicker, smaller

Creates the PostgreSQL database ncc_bench_book afresh (DATABASE_URL overrides), builds a clinic
with 8 clinicians and the two measured weeks through the ORM, then fills the rest of the
appointments table with history generated in SQL (generate_series; non-overlapping per clinician,
so the exclusion constraint holds; a tenth cancelled). Each page is fetched in-process with
Django's test client as a logged-in receptionist (middleware, queries, template rendering: the
server time, no network), ROUNDS times after a warm-up; the queries of each request are counted.

Last line: RESULT day_p95_ms_10k=... day_p95_ms_1m=... week_p95_ms_10k=... week_p95_ms_1m=...
queries=... day_cpu_p95_ms_1m=... week_cpu_p95_ms_1m=... (the CPU time of the web process per
request, which a machine busy with other work does not inflate).
"""

import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import measure  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ncc_bench_book")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
TOTAL_SMALL = int(os.environ.get("BENCH_TOTAL_SMALL", "10000"))
TOTAL_BIG = int(os.environ.get("BENCH_TOTAL_BIG", "1000000"))
FILLER_CLINICIANS = 50
DAY_PER_CLINICIAN = 15  # x 8 clinicians = 120
WEEK_APPOINTMENTS = 400


def recreate_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("appointment_book.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def build_practice():
    """The measured clinic: 8 clinicians, a day with 120 appointments, a clinician's week with
    400; plus 42 more clinicians elsewhere who only carry history."""
    from clinics.models import OpeningHours
    from ncc import demo, testing
    from patients.models import Patient
    from scheduling.models import Appointment

    clinic = testing.make_clinic("Bench", "Australia/Sydney")
    other = testing.make_clinic("Elsewhere", "Australia/Brisbane", state="QLD", postcode="4000")
    OpeningHours.objects.filter(clinic=clinic).update(opens=dtime(7), closes=dtime(19))
    clinicians = [testing.make_clinician(f"Bench{i}", [clinic]) for i in range(8)]
    fillers = [testing.make_clinician(f"Filler{i}", [other]) for i in range(FILLER_CLINICIANS - 8)]
    receptionist = testing.make_user("receptionist", "Reception", "bench@walkeasy.example", clinic)
    review = testing.make_type("Review", 30, "75.00", colour="#34d399")
    short = testing.make_type("Quick check", 10, "40.00", colour="#60a5fa")
    demo.make_patients(random.Random(7), [clinic, other, other], 2000)  # demo wants three
    patients = list(Patient.objects.values_list("pk", flat=True))
    rng = random.Random(3)

    today = date.today()
    day = today + timedelta(days=(7 - today.weekday()) % 7 + 14)  # a Monday two weeks out
    week = day + timedelta(weeks=1)
    rows = []
    statuses = ["booked", "confirmed", "arrived", "completed", "no_show"]
    for c in clinicians:
        start = datetime.combine(day, dtime(7, 30), tzinfo=clinic.tz)
        for _ in range(DAY_PER_CLINICIAN):
            rows.append(Appointment(patient_id=rng.choice(patients), clinician=c, clinic=clinic,
                                    appointment_type=review, starts_at=start,
                                    ends_at=start + timedelta(minutes=30),
                                    status=rng.choice(statuses)))
            start += timedelta(minutes=rng.choice([30, 30, 45]))
    per_day = [WEEK_APPOINTMENTS // 7 + (1 if i < WEEK_APPOINTMENTS % 7 else 0) for i in range(7)]
    for i, n in enumerate(per_day):
        start = datetime.combine(week + timedelta(days=i), dtime(7), tzinfo=clinic.tz)
        for _ in range(n):
            rows.append(Appointment(patient_id=rng.choice(patients), clinician=clinicians[0],
                                    clinic=clinic, appointment_type=short, starts_at=start,
                                    ends_at=start + timedelta(minutes=10),
                                    status=rng.choice(statuses)))
            start += timedelta(minutes=12)
    Appointment.objects.bulk_create(rows)
    return {"clinic": clinic, "clinicians": clinicians, "fillers": fillers,
            "receptionist": receptionist, "types": [review, short], "day": day, "week": week,
            "clinic_ids": [clinic.pk, other.pk]}


def fill_history(practice, target_total):
    """Top the table up to target_total with history before the measured weeks, in SQL."""
    from django.db import connection

    from scheduling.models import Appointment

    have = Appointment.objects.count()
    need = target_total - have
    if need <= 0:
        return
    clinician_ids = [c.pk for c in practice["clinicians"] + practice["fillers"]]
    clinic_of = {c.pk: practice["clinic_ids"][0] for c in practice["clinicians"]}
    clinic_of.update({c.pk: practice["clinic_ids"][1] for c in practice["fillers"]})
    # Continue each clinician's timeline backwards from where the last fill stopped.
    offset = have
    anchor = datetime.combine(practice["day"] - timedelta(days=1), dtime(18),
                              tzinfo=practice["clinic"].tz)
    n_clin = len(clinician_ids)
    with connection.cursor() as cur:
        cur.execute("""
            WITH p AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
                       FROM patients_patient),
                 c AS (SELECT %s::bigint[] AS ids, %s::bigint[] AS clinics)
            INSERT INTO scheduling_appointment
                (id, patient_id, clinician_id, clinic_id, appointment_type_id, starts_at, ends_at,
                 status, reason, notes, cancellation_reason, is_paid, created_at, updated_at,
                 confirmation_email_status, confirmation_email_detail, sequence)
            SELECT gen_random_uuid(),
                   p.ids[1 + (g %% p.n)],
                   c.ids[1 + (g %% %s)],
                   c.clinics[1 + (g %% %s)],
                   %s,
                   %s::timestamptz - ((g / %s) + 1) * interval '30 minutes',
                   %s::timestamptz - ((g / %s) + 1) * interval '30 minutes' + interval '30 minutes',
                   CASE WHEN g %% 10 = 0 THEN 'cancelled' ELSE 'completed' END,
                   '', '',
                   CASE WHEN g %% 10 = 0 THEN 'Patient unwell' ELSE '' END,
                   g %% 10 <> 0, now(), now(), 'sent', '', 0
            FROM generate_series(%s, %s) AS g, p, c
        """, [clinician_ids, [clinic_of[i] for i in clinician_ids], n_clin, n_clin,
              practice["types"][0].pk, anchor, n_clin, anchor, n_clin, offset,
              offset + need - 1])
        cur.execute("ANALYZE scheduling_appointment")



def main():
    import django

    django.setup()
    recreate_database()
    from django.core.management import call_command
    from django.test import Client

    from scheduling.models import Appointment

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    practice = build_practice()
    client = Client()
    client.force_login(practice["receptionist"])
    day_url = f"/book/?date={practice['day'].isoformat()}"
    week_url = (f"/book/?view=week&date={practice['week'].isoformat()}"
                f"&clinician={practice['clinicians'][0].pk}")
    day_html = client.get(day_url).content.decode()
    week_html = client.get(week_url).content.decode()
    appt, col = 'class="appt ', 'class="book-col'
    print(f"day view shows {day_html.count(appt)} appointments in {day_html.count(col)} "
          f"columns; week view shows {week_html.count(appt)}")
    results = {}
    for label, total in (("10k", TOTAL_SMALL), ("1m", TOTAL_BIG)):
        t1 = time.perf_counter()
        fill_history(practice, total)
        count = Appointment.objects.count()
        print(f"\n{count:,} appointments in the database (filled in "
              f"{time.perf_counter() - t1:.0f} s)")
        for name, url in (("day", day_url), ("week", week_url)):
            p50, p95, q, cpu95 = measure(client, url, ROUNDS)
            results[(name, label)] = (p50, p95, q, cpu95)
            print(f"  {name:<4} view  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  queries {q}   "
                  f"(web process CPU p95 {cpu95:5.1f} ms)")
    print()
    for name in ("day", "week"):
        small, big = results[(name, "10k")][1], results[(name, "1m")][1]
        print(f"{name}: p95 at {TOTAL_BIG:,} is {big / small * 100:.0f}% of p95 at "
              f"{TOTAL_SMALL:,}")
    queries = max(v[2] for v in results.values())
    print(f"total time {time.perf_counter() - t0:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times include waiting for a "
          "CPU on a busy machine; the CPU figures do not)")
    print(f"RESULT day_p95_ms_10k={results[('day', '10k')][1]:.1f} "
          f"day_p95_ms_1m={results[('day', '1m')][1]:.1f} "
          f"week_p95_ms_10k={results[('week', '10k')][1]:.1f} "
          f"week_p95_ms_1m={results[('week', '1m')][1]:.1f} queries={queries} "
          f"day_cpu_p95_ms_1m={results[('day', '1m')][3]:.1f} "
          f"week_cpu_p95_ms_1m={results[('week', '1m')][3]:.1f}")


if __name__ == "__main__":
    main()
