"""The clinical record of one long-standing patient on PostgreSQL: 500 treatment notes (diabetic
foot assessments and SOAP reviews, signed, some with addenda) and 200 photos and documents. The
patient's timeline and a note page are fetched in-process with Django's test client as the
clinician (middleware, permission checks, audit rows, queries, templates: the server time, no
network), ROUNDS times after a warm-up; the queries of each request are counted, first with 50
notes and 20 attachments and then with 500 and 200, to show they do not grow with the record.

    .venv/bin/python benchmarks/clinical.py          # about a minute on 2 cores

Creates the PostgreSQL database ncc_bench_clinical afresh (DATABASE_URL overrides); files go to
a temporary MEDIA_ROOT. Last line:
RESULT notes=500 timeline_p95_ms=... note_p95_ms=... queries=...
"""

import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import measure  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ncc_bench_clinical")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ncc-bench-media-"))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
NOTES, ATTACHMENTS = 500, 200


def recreate_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("clinical.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def jpeg(rng) -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3))).save(out, "JPEG")
    return out.getvalue()


def grow_record(world, notes_wanted, attachments_wanted, rng):
    """Notes written, answered and signed through the services, as a clinician would; photos
    uploaded through the same service as the page (content check, thumbnail)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clinical import services
    from clinical.models import Attachment, Note

    ben, patient, templates = world["ben"], world["patient"], world["templates"]
    have = Note.objects.filter(patient=patient).count()
    for i in range(have, notes_wanted):
        template = templates[i % len(templates)]
        note = services.start_note(actor=ben.user, patient=patient, template=template)
        if template.slug == "diabetic-foot":
            raw = {"diabetes_type": "Type 2", "hba1c": f"{rng.uniform(6, 10):.1f}",
                   "monofilament_not_felt__left": ["Hallux"] if i % 3 == 0 else [],
                   "dp_pulse__left": rng.choice(["Palpable", "Diminished", "Absent"]),
                   "dp_pulse__right": "Palpable", "footwear": "Appropriate",
                   "plan": f"Review in {rng.choice([1, 3, 6])} months. Visit {i}."}
        else:
            raw = {"subjective": f"Heel pain {rng.randint(1, 9)}/10, visit {i}",
                   "objective": "Tender plantar fascia insertion, left.",
                   "assessment": "Plantar fasciitis, improving.",
                   "plan": "Continue stretches; orthoses review."}
        services.save_draft(note, actor=ben.user, raw_answers=raw)
        # Spread the record over the years, as a real one is (before signing: after it, the
        # PostgreSQL trigger refuses to move a signed note's date).
        Note.objects.filter(pk=note.pk).update(
            occurred_at=world["start"] + timedelta(days=i * 7))
        note = services.sign_note(note, actor=ben.user)
        if i % 5 == 0:
            services.add_addendum(note, actor=ben.user, text=f"Phoned patient after visit {i}.")
    notes = list(Note.objects.filter(patient=patient).order_by("occurred_at"))
    have = Attachment.objects.filter(patient=patient).count()
    for i in range(have, attachments_wanted):
        services.upload_attachment(
            actor=ben.user, patient=patient, note=notes[i % len(notes)],
            uploaded=SimpleUploadedFile(f"IMG_{i:04d}.JPG", jpeg(rng)),
            description=f"Left hallux, week {i}")
    return notes



def main():
    import django

    django.setup()
    recreate_database()
    from django.core.management import call_command
    from django.test import Client

    from clinical.models import NoteTemplate
    from ncc import testing

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    rng = random.Random(11)
    clinic = testing.make_clinic("Bench", "Australia/Sydney")
    ben = testing.make_clinician("Ben", [clinic])
    patient = testing.make_patient(clinic, "Margaret", "Long", date_of_birth=date(1948, 5, 2),
                                   alerts="Diabetic; takes warfarin")
    world = {"ben": ben, "patient": patient,
             "templates": list(NoteTemplate.objects.filter(
                 slug__in=["diabetic-foot", "review-soap"]).order_by("slug")),
             "start": datetime(2017, 1, 9, 10, tzinfo=clinic.tz)}
    client = Client()
    client.force_login(ben.user)
    timeline_url = f"/clinical/patients/{patient.pk}/timeline/"
    results = {}
    for notes_wanted, files_wanted in ((50, 20), (NOTES, ATTACHMENTS)):
        t1 = time.perf_counter()
        notes = grow_record(world, notes_wanted, files_wanted, rng)
        # The note with the most attachments and addenda: the heaviest note page.
        heaviest = max(notes, key=lambda n: n.attachments.count() + n.addenda.count())
        note_url = f"/clinical/notes/{heaviest.pk}/"
        print(f"\n{len(notes)} notes, {files_wanted} attachments (built in "
              f"{time.perf_counter() - t1:.0f} s); the measured note has "
              f"{heaviest.attachments.count()} attachments and {heaviest.addenda.count()} addenda")
        for name, url in (("timeline", timeline_url), ("note", note_url)):
            p50, p95, q, cpu95 = measure(client, url, ROUNDS)
            results[(name, notes_wanted)] = (p50, p95, q, cpu95)
            print(f"  {name:<8} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  queries {q}   "
                  f"(web process CPU p95 {cpu95:5.1f} ms)")
    for name in ("timeline", "note"):
        small, big = results[(name, 50)][2], results[(name, NOTES)][2]
        print(f"{name}: {small} queries with 50 notes, {big} with {NOTES}"
              f"{' (constant)' if small == big else ' (GROWS)'}")
    print(f"total time {time.perf_counter() - t0:.0f} s; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    queries = max(results[(n, NOTES)][2] for n in ("timeline", "note"))
    print(f"RESULT notes={NOTES} timeline_p95_ms={results[('timeline', NOTES)][1]:.1f} "
          f"note_p95_ms={results[('note', NOTES)][1]:.1f} queries={queries}")


if __name__ == "__main__":
    main()
