"""Patient search on PostgreSQL with 100,000 patients: p50/p95 of the server-side search.

Times the search as the patients list runs it (search_patients: count and the first page of 25)
and, separately, the whole list page in-process through Django's test client (middleware,
search, rendering), for parts of surnames and mobile digits. The page's query count is printed:
it is fixed by the code (session, user, clinics, permissions, count, page), not by the data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ncc_bench .venv/bin/python benchmarks/patient_search.py

DATABASE_URL defaults to that database (created if missing). Patients are generated once with the
demo generator and kept between runs.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ncc_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TARGET = int(os.environ.get("BENCH_PATIENTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def ensure_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("patient_search.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s",
                            [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def main():
    import django

    django.setup()
    ensure_database()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from tqdm import tqdm

    from accounts.models import User
    from clinics.models import Clinic
    from ncc import demo
    from patients.models import Patient
    from patients.queries import search_patients

    call_command("migrate", verbosity=0)
    if not Clinic.objects.exists():
        demo.create_practice(random.Random(1))
    clinics = list(Clinic.objects.order_by("pk"))
    have = Patient.objects.count()
    if have < TARGET:
        bar = tqdm(total=TARGET - have, desc="patients", unit=" rows", file=sys.stderr)
        demo.make_patients(random.Random(have + 1), clinics, TARGET - have, bar.update)
        bar.close()
        with connection.cursor() as cur:
            cur.execute("ANALYZE patients_patient")
    total = Patient.objects.count()

    user = User.objects.filter(role="receptionist").first()
    client = Client()
    client.force_login(user)

    rng = random.Random(42)
    surnames = ["smi", "ngu", "patel", "obr", "kenn", "wil", "zhan", "rossi", "mitch", "tho"]
    mobiles = [p.mobile for p in Patient.objects.exclude(mobile="").order_by("?")[:200]]

    def mobile_query():
        m = rng.choice(mobiles)
        national = "0" + m[3:]
        start = rng.randint(0, 3)
        return national[start:start + rng.choice([4, 6, 8])]

    def percentiles(timings):
        timings = sorted(timings)
        return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]

    def run(kind, make_query):
        """The search itself (count + first page of 25, as the list shows) and the whole view."""
        search_ms, view_ms, queries = [], [], []
        for i in range(ROUNDS + 5):
            q = make_query()
            t0 = time.perf_counter()
            qs = search_patients(q, Patient.objects.filter(archived=False))
            qs.count()
            list(qs.select_related("home_clinic")[:25])
            search = (time.perf_counter() - t0) * 1000
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get("/patients/", {"q": q})
                view = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, response.status_code
            if i >= 5:  # warm-up
                search_ms.append(search)
                view_ms.append(view)
                queries.append(len(ctx.captured_queries))
        s50, s95 = percentiles(search_ms)
        v50, v95 = percentiles(view_ms)
        print(f"{kind:<14} search p50 {s50:6.1f} ms  p95 {s95:6.1f} ms | whole page p50 "
              f"{v50:6.1f} ms  p95 {v95:6.1f} ms | queries/page {max(queries)}")
        return s95, v95, max(queries)

    print(f"PostgreSQL, {total} patients; {ROUNDS} searches each")
    s95, sv95, sq = run("surname part", lambda: rng.choice(surnames))
    m95, mv95, mq = run("mobile digits", mobile_query)
    print(f"RESULT patients={total} surname_p95_ms={s95:.1f} mobile_p95_ms={m95:.1f} "
          f"queries={max(sq, mq)} surname_page_p95_ms={sv95:.1f} mobile_page_p95_ms={mv95:.1f}")


if __name__ == "__main__":
    main()
