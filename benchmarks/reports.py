"""Reports, the dashboard and the receipt PDF on PostgreSQL with 100,000 patients and 1,000,000
appointments.

    .venv/bin/python benchmarks/reports.py                 # about 5-10 minutes on 2 busy cores
    BENCH_APPOINTMENTS=200000 BENCH_PATIENTS=20000 .venv/bin/python benchmarks/reports.py

Creates the PostgreSQL database ncc_bench_reports afresh (DATABASE_URL overrides), seeds the demo
practice (3 clinics in two time zones, the practice's ABN, provider numbers per clinic, products,
payers) with 50 clinicians, BENCH_PATIENTS patients through the demo's own generator, then fills
BENCH_APPOINTMENTS appointments over the past years in SQL (generate_series; non-overlapping per
clinician so the no-double-booking constraint holds; a tenth cancelled, a few no-shows), and
invoices every completed visit of the last 400 days in SQL, as billing.services would: GST-free
care at the type's price, every seventh invoice with a taxable cream ($22.00 incl. $2.00 GST),
one in twelve billed to DVA; nine in ten paid (cash, EFTPOS, HICAPS benefit and gap, bank
transfer), the rest owing.

Each page is fetched in-process with Django's test client as the logged-in owner (middleware,
queries, template rendering: the server's time, no network), ROUNDS times after a warm-up; the
receipt PDF is rendered with WeasyPrint for PDF_ROUNDS different paid invoices.

Last line: RESULT appointments=... worst_report_ms=... dashboard_ms=... receipt_pdf_p95_ms=...
(each *_ms a p95 in milliseconds; worst_report_ms is the slowest report's p95).
"""

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ncc_bench_reports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncc.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PDF_ROUNDS = int(os.environ.get("BENCH_PDF_ROUNDS", "30"))
CLINICIANS = 50
INVOICE_DAYS = 400


def recreate_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("reports.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def seed_practice():
    from accounts.models import User
    from clinics.models import Clinic, Clinician
    from ncc import demo, testing

    rng = random.Random(2026)
    clinics, _clinicians, _types, _logins = demo.create_practice(rng)
    for i in range(CLINICIANS - Clinician.objects.count()):
        testing.make_clinician(f"Locum{i}", [clinics[i % len(clinics)]])
    t0 = time.perf_counter()
    demo.make_patients(rng, clinics, PATIENTS)
    print(f"{PATIENTS:,} patients in {time.perf_counter() - t0:.0f} s", flush=True)
    return User.objects.get(email="owner@walkeasy.example"), list(Clinic.objects.all())


def fill_appointments():
    """APPOINTMENTS rows in SQL: each clinician's 30-minute visits, one every 90 minutes, walk
    back from yesterday evening (about 3.4 years at 1,000,000 with 50 clinicians), so none
    overlap; the clinic is the clinician's first."""
    from django.db import connection

    from clinics.models import Clinician
    from scheduling.models import AppointmentType

    clinicians = list(Clinician.objects.prefetch_related("clinics").order_by("pk"))
    ids = [c.pk for c in clinicians]
    clinic_ids = [c.clinics.all()[0].pk for c in clinicians]
    type_ids = list(AppointmentType.objects.order_by("pk").values_list("pk", flat=True))
    anchor = datetime.combine(date.today() - timedelta(days=1), datetime.min.time()).astimezone()
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""
            WITH p AS (SELECT array_agg(id ORDER BY number) AS ids, count(*) AS n
                       FROM patients_patient),
                 c AS (SELECT %s::bigint[] AS ids, %s::bigint[] AS clinics, %s::bigint[] AS types)
            INSERT INTO scheduling_appointment
                (id, patient_id, clinician_id, clinic_id, appointment_type_id, starts_at, ends_at,
                 status, reason, notes, cancellation_reason, is_paid, created_at, updated_at,
                 confirmation_email_status, confirmation_email_detail, sequence)
            SELECT gen_random_uuid(), p.ids[1 + ((g * 7919) %% p.n)],
                   c.ids[1 + (g %% %s)], c.clinics[1 + (g %% %s)],
                   c.types[1 + ((g / 3) %% array_length(c.types, 1))],
                   %s::timestamptz - ((g / %s) + 1) * interval '90 minutes',
                   %s::timestamptz - ((g / %s) + 1) * interval '90 minutes' + interval '30 minutes',
                   CASE WHEN g %% 10 = 0 THEN 'cancelled' WHEN g %% 23 = 0 THEN 'no_show'
                        ELSE 'completed' END,
                   '', '', CASE WHEN g %% 10 = 0 THEN 'Patient unwell' ELSE '' END,
                   g %% 10 <> 0 AND g %% 23 <> 0 AND g %% 11 <> 0, now(), now(), 'sent', '', 0
            FROM generate_series(0, %s - 1) AS g, p, c
        """, [ids, clinic_ids, type_ids, len(ids), len(ids), anchor, len(ids), anchor, len(ids),
              APPOINTMENTS])
        cur.execute("ANALYZE scheduling_appointment")
    print(f"{APPOINTMENTS:,} appointments in {time.perf_counter() - t0:.0f} s", flush=True)


def fill_invoices():
    """One invoice per completed visit of the last INVOICE_DAYS days, its lines and payments, in
    SQL, with the amounts billing.gst gives (GST-free care; a taxable cream on every seventh)."""
    from django.db import connection

    from billing.models import Payer, Product

    dva = Payer.objects.filter(kind="dva").values_list("pk", flat=True).first()
    cream = Product.objects.get(code="UREA-25")
    since = date.today() - timedelta(days=INVOICE_DAYS)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""
            CREATE TEMP TABLE v AS
            SELECT a.id, a.patient_id, a.clinic_id, a.clinician_id, a.is_paid,
                   (a.starts_at AT TIME ZONE cl.time_zone)::date AS day,
                   t.price, t.name, t.item_number,
                   row_number() OVER (ORDER BY a.starts_at, a.id) AS n
            FROM scheduling_appointment a
            JOIN clinics_clinic cl ON cl.id = a.clinic_id
            JOIN scheduling_appointmenttype t ON t.id = a.appointment_type_id
            WHERE a.status = 'completed' AND a.starts_at >= %s
        """, [since])
        cur.execute("CREATE UNIQUE INDEX ON v (id)")
        cur.execute("ANALYZE v")
        cur.execute("""
            INSERT INTO billing_invoice
                (id, number, patient_id, clinic_id, clinician_id, payer_id, claim_number,
                 approval_number, issue_date, due_date, status, line_amount_type, subtotal, gst,
                 total, amount_paid, amount_due, paid_on, void_reason, created_at, updated_at)
            SELECT v.id, 'INV-' || lpad(v.n::text, 7, '0'), v.patient_id, v.clinic_id,
                   v.clinician_id, CASE WHEN v.n %% 12 = 0 THEN %s END,
                   CASE WHEN v.n %% 12 = 0 THEN 'NX' || v.n ELSE '' END, '',
                   v.day, v.day + 14, CASE WHEN v.is_paid THEN 'paid' ELSE 'awaiting_payment' END,
                   'inclusive',
                   v.price + CASE WHEN v.n %% 7 = 0 THEN 20.00 ELSE 0 END,
                   CASE WHEN v.n %% 7 = 0 THEN 2.00 ELSE 0 END,
                   v.price + CASE WHEN v.n %% 7 = 0 THEN 22.00 ELSE 0 END,
                   CASE WHEN v.is_paid THEN v.price + CASE WHEN v.n %% 7 = 0 THEN 22.00 ELSE 0 END
                        ELSE 0 END,
                   CASE WHEN v.is_paid THEN 0 ELSE v.price + CASE WHEN v.n %% 7 = 0 THEN 22.00
                        ELSE 0 END END,
                   CASE WHEN v.is_paid THEN v.day END, '', now(), now()
            FROM v
        """, [dva])
        cur.execute("""
            INSERT INTO billing_invoiceline
                (invoice_id, position, appointment_id, item_number, description, quantity,
                 unit_amount, line_amount, gst, account_code, item_code, tax_type,
                 tracking_category, tracking_option)
            SELECT v.id, 1, v.id, v.item_number, v.name, 1, v.price, v.price, 0, '200', '',
                   'EXEMPTOUTPUT', 'Clinic', '' FROM v
        """)
        cur.execute("""
            INSERT INTO billing_invoiceline
                (invoice_id, position, product_id, item_number, description, quantity,
                 unit_amount, line_amount, gst, account_code, item_code, tax_type,
                 tracking_category, tracking_option)
            SELECT v.id, 2, %s, '', 'Urea heel balm', 1, 22.00, 22.00, 2.00, '200', '',
                   'OUTPUT', 'Clinic', '' FROM v WHERE v.n %% 7 = 0
        """, [cream.pk])
        # Paid visits: cash, EFTPOS, bank transfer, or a HICAPS benefit (60 per cent) and a gap.
        cur.execute("""
            INSERT INTO billing_payment (id, invoice_id, date, amount, method, reference,
                                         fund_name, credit_kept, created_at)
            SELECT gen_random_uuid(), i.id, i.issue_date,
                   CASE WHEN i.payer_id IS NULL AND v.n %% 4 = 3 THEN round(i.total * 0.6, 2)
                        ELSE i.total END,
                   CASE WHEN i.payer_id IS NOT NULL THEN 'dva'
                        ELSE (ARRAY['cash', 'card', 'eft', 'health_fund'])[1 + v.n %% 4] END,
                   '', CASE WHEN i.payer_id IS NULL AND v.n %% 4 = 3 THEN 'Bupa' ELSE '' END,
                   0, now()
            FROM billing_invoice i JOIN v ON v.id = i.id WHERE i.status = 'paid'
        """, [])
        cur.execute("""
            INSERT INTO billing_payment (id, invoice_id, date, amount, method, reference,
                                         fund_name, credit_kept, created_at)
            SELECT gen_random_uuid(), i.id, i.issue_date, i.total - round(i.total * 0.6, 2),
                   'card', 'Gap', '', 0, now()
            FROM billing_invoice i JOIN v ON v.id = i.id
            WHERE i.status = 'paid' AND i.payer_id IS NULL AND v.n %% 4 = 3
        """, [])
        cur.execute("SELECT count(*) FROM v")
        invoices = cur.fetchone()[0]
        cur.execute("SELECT setval(pg_get_serial_sequence('billing_invoiceline', 'id'), "
                    "(SELECT max(id) FROM billing_invoiceline))")
        for table in ("billing_invoice", "billing_invoiceline", "billing_payment"):
            cur.execute(f"ANALYZE {table}")
    print(f"{invoices:,} invoices with lines and payments in {time.perf_counter() - t0:.0f} s",
          flush=True)
    return invoices


def measure(client, url, rounds):
    timings = []
    for i in range(rounds + 2):
        t0 = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= 2:
            timings.append(elapsed)
    return p95(timings), statistics.median(timings)


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]


def main():
    import django

    django.setup()
    recreate_database()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from billing.models import Invoice

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    owner, clinics = seed_practice()
    fill_appointments()
    fill_invoices()
    client = Client()
    client.force_login(owner)
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    span = f"start={last_month.isoformat()}&end={(first - timedelta(days=1)).isoformat()}"
    year = f"start={(today - timedelta(days=365)).isoformat()}&end={today.isoformat()}"
    pages = {
        "revenue (last month)": f"/reports/revenue/?{span}",
        "revenue (a year)": f"/reports/revenue/?{year}",
        "revenue CSV (a year)": f"/reports/revenue/?{year}&format=csv",
        "takings by method (last month)": f"/reports/takings/?{span}",
        "takings CSV (a year)": f"/reports/takings/?{year}&format=csv",
        "appointments & utilisation": f"/reports/appointments/?{span}",
        "aged receivables": "/reports/receivables/",
        "demographics": "/reports/demographics/",
        "close the day": f"/invoices/close-day/?clinic={clinics[0].pk}"
                         f"&day={(today - timedelta(days=1)).isoformat()}",
    }
    results = {}
    print(f"\nserver time per page, {ROUNDS} rounds after a warm-up:")
    for name, url in pages.items():
        results[name] = measure(client, url, ROUNDS)
        print(f"  {name:<32} p50 {results[name][1]:7.1f} ms   p95 {results[name][0]:7.1f} ms",
              flush=True)
    dashboard = measure(client, "/reports/", ROUNDS)
    print(f"  {'dashboard':<32} p50 {dashboard[1]:7.1f} ms   p95 {dashboard[0]:7.1f} ms")

    paid = list(Invoice.objects.filter(status="paid").order_by("-issue_date")
                .values_list("pk", flat=True)[:PDF_ROUNDS + 2])
    pdf_times = []
    for i, pk in enumerate(paid):
        t1 = time.perf_counter()
        response = client.get(f"/invoices/{pk}/receipt.pdf")
        elapsed = (time.perf_counter() - t1) * 1000
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        if i >= 2:
            pdf_times.append(elapsed)
    pdf_p95 = p95(pdf_times)
    print(f"  {'receipt PDF (WeasyPrint)':<32} p50 {statistics.median(pdf_times):7.1f} ms   "
          f"p95 {pdf_p95:7.1f} ms")
    from scheduling.models import Appointment

    count = Appointment.objects.count()
    worst = max(p for p, _ in results.values())
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs (wall times include waiting for a CPU on a busy machine)")
    print(f"RESULT appointments={count} worst_report_ms={worst:.1f} "
          f"dashboard_ms={dashboard[0]:.1f} receipt_pdf_p95_ms={pdf_p95:.1f}")


if __name__ == "__main__":
    main()
