"""Moving a practice in: 100,000 patients and 300,000 appointments imported on PostgreSQL.

Writes a Cliniko-layout patient export (quoted notes with "" and newlines, three address lines,
dates in several written forms, states in full, some bad phones and emails, a formula cell now
and then) and its appointments export, then imports them as the pages do: the patient file is
checked (dry run), then imported in committed batches; the appointment file is matched to those
patients by Cliniko's patient ID and imported. Memory is the process's peak resident size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ncc_import_bench .venv/bin/python benchmarks/import.py

The database named in DATABASE_URL (default ncc_import_bench) is dropped and created afresh.
BENCH_PATIENTS / BENCH_APPOINTMENTS change the sizes.
"""

import csv
import io
import os
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ncc_import_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", "300000"))
CLINICIANS = 20
STATES = ["New South Wales", "VIC", "Qld", "W.A.", "South Australia", "Tas", "NT", "A.C.T."]
FIRST = ["Ava", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamish", "Isla", "Jack", "Kai",
         "Lily", "Mason", "Noor", "Oscar", "Priya", "Quinn", "Ruby", "Sam", "Tran"]
LAST = ["Nguyen", "Smith", "O'Brien", "Kaur", "Jones", "Williams", "Brown", "Wilson", "Taylor",
        "Lee", "Martin", "Anderson", "Thompson", "White", "Walker", "Harris", "Ryan", "Chen"]


def recreate_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("import.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _dob(rng, i):
    d = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 90))
    form = i % 5
    if form == 0:
        return f"{d.day}-{d:%b}-{d.year}"  # 3-May-1979
    if form == 1:
        return f"{d.day} {d:%B} {d.year}"  # 3 May 1979
    if form == 2:
        return d.isoformat()
    if form == 3:
        return f"{d:%d/%m/%y}"  # two-digit year
    return f"{d:%d/%m/%Y}"


def _letters(n: int) -> str:
    """A distinct second surname per patient (Smith-Bcd), so no two rows are the same person."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
        if not n:
            return out.capitalize()


def patients_csv(rng) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["Patient ID", "Title", "First name", "Last name", "Date of birth", "Sex", "Email",
                "Address 1", "Address 2", "Address 3", "City", "State", "Post code",
                "Mobile phone", "Home phone", "Medicare", "Medicare reference number",
                "Reminders", "Notes", "Archived at", "Created at"])
    for i in range(PATIENTS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        mobile = f"04{rng.randrange(10**8):08d}"
        if i % 97 == 0:
            mobile = "0412 ABC 123"  # letters: kept to check
        email = f"{first.lower()}.{i}@example.com" if i % 3 else ""
        if i % 211 == 0:
            email = "broken@@example"
        notes = ""
        if i % 7 == 0:
            notes = f'Said "my heel" hurts\nReview in {i % 12 + 1} weeks'
        if i % 1009 == 0:
            notes = "=HYPERLINK(\"http://x.example\")"
        w.writerow([
            f"C{i}", rng.choice(["", "Mr", "Ms", "Mrs", "Dr"]), first, f"{last}-{_letters(i)}",
            _dob(rng, i), rng.choice(["Female", "Male", "F", "M", "Non-binary", ""]), email,
            f"Unit {i % 40 + 1}" if i % 4 == 0 else f"{i % 300 + 1} Long St",
            f"{i % 300 + 1} Long St" if i % 4 == 0 else "", "Rear" if i % 50 == 0 else "",
            "Newtown", rng.choice(STATES), "800" if i % 300 == 0 else f"{2000 + i % 7000}",
            mobile, "(02) 9557 1234" if i % 10 == 0 else "", "", "",
            rng.choice(["SMS", "SMS & Email", "None", "Email"]), notes,
            "2020-01-01" if i % 25 == 0 else "", "01/02/2015 09:30"])
    return out.getvalue().encode("utf-8")


def appointments_csv(rng) -> bytes:
    """Back-to-back 30-minute slots per clinician, 8:00-16:00, so nothing overlaps."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["Appointment ID", "Patient ID", "Practitioner", "Appointment Type", "Start",
                "End", "Status", "Notes"])
    per = APPOINTMENTS // CLINICIANS
    for c in range(CLINICIANS):
        day, slot = datetime(2019, 1, 1, 8, 0), 0
        for n in range(per):
            start = day + timedelta(minutes=30 * slot)
            w.writerow([f"A{c}-{n}", f"C{rng.randrange(PATIENTS)}", f"Clinician {c}",
                        rng.choice(["Initial consult", "Review", "Orthotics fitting"]),
                        f"{start:%Y-%m-%d %H:%M}", f"{start + timedelta(minutes=30):%Y-%m-%d %H:%M}",
                        "Completed" if start < datetime(2026, 1, 1) else "Booked",
                        "Review" if n % 9 == 0 else ""])
            slot += 1
            if slot == 16:
                slot, day = 0, day + timedelta(days=1)
    return out.getvalue().encode("utf-8")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no log of every query kept in memory
    recreate_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ncc import testing
    from patients import importer as patient_importer
    from patients.models import Patient
    from scheduling import importer as appointment_importer
    from scheduling.models import Appointment

    rng = random.Random(16)
    clinic = testing.make_clinic("Sydney CBD")
    admin = testing.make_user("admin", "Sam", "sam@walkeasy.example", clinic)
    clinicians = {}
    for c in range(CLINICIANS):
        clinician = testing.make_clinician(f"Clinician{c}", [clinic])
        clinicians[f"Clinician {c}"] = clinician.pk
    for name, minutes in (("Initial consult", 45), ("Review", 30), ("Orthotics fitting", 30)):
        testing.make_type(name, minutes)

    patient_file, appointment_file = patients_csv(rng), appointments_csv(rng)
    print(f"patients.csv {len(patient_file) / 1e6:.1f} MB, appointments.csv "
          f"{len(appointment_file) / 1e6:.1f} MB; peak so far {peak_mb():.0f} MB")

    job = patient_importer.create_job(content=patient_file, file_name="patients.csv",
                                      home_clinic=clinic, actor=admin, preset="cliniko")
    del patient_file
    t0 = time.perf_counter()
    check = patient_importer.dry_run(job)
    dry = time.perf_counter() - t0
    print(f"dry run: {check.total} rows in {dry:.1f} s ({check.total / dry:.0f} rows/s): "
          f"{check.counts}")
    t0 = time.perf_counter()
    job = patient_importer.run_import_job(job.pk, actor=admin)
    patient_s = time.perf_counter() - t0
    print(f"patients: {job.created} created in {patient_s:.1f} s "
          f"({PATIENTS / patient_s:.0f} rows/s), {job.counts['flagged']} with details to "
          f"check; peak {peak_mb():.0f} MB")

    t0 = time.perf_counter()
    ajob = appointment_importer.create_job(content=appointment_file,
                                           file_name="appointments.csv", home_clinic=clinic,
                                           actor=admin, preset="cliniko",
                                           options={"clinicians": clinicians})
    del appointment_file
    ajob = appointment_importer.run_job(ajob.pk, actor=admin)
    appointment_s = time.perf_counter() - t0
    print(f"appointments: {ajob.counts} in {appointment_s:.1f} s "
          f"({APPOINTMENTS / appointment_s:.0f} rows/s); peak {peak_mb():.0f} MB")

    patients, appointments = Patient.objects.count(), Appointment.objects.count()
    total_s = patient_s + appointment_s
    rows_per_s = (PATIENTS + APPOINTMENTS) / total_s
    print(f"imported {patients} patients and {appointments} appointments in {total_s:.1f} s")
    print(f"RESULT patients={patients} appointments={appointments} rows_per_s={rows_per_s:.0f} "
          f"peak_mb={peak_mb():.0f}")


if __name__ == "__main__":
    main()
