"""Moving a practice from the SQLite default to PostgreSQL: every row arrives with its ids, the
counts are checked, and a database that already holds data is never overwritten by accident.

The command runs as an operator runs it: in its own process, reading the database in use (here
the test database, SQLite or PostgreSQL) and writing a new PostgreSQL database."""

import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection

from ncc import testing

BASE_DIR = Path(__file__).resolve().parents[2]
SERVER = os.environ.get("NCC_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture
def empty_postgres_database():
    name = f"ncc_copytest_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def source_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def copy_to_postgres(target_url):
    env = {**os.environ, "DATABASE_URL": source_url(), "DJANGO_SETTINGS_MODULE": "ncc.settings"}
    return subprocess.run([sys.executable, "manage.py", "copy_to_postgres", "--to", target_url],
                          cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)  # the command's own process must see the rows
def test_copy_brings_every_row_with_its_ids_and_refuses_a_second_copy(empty_postgres_database):
    clinic = testing.make_clinic("Sydney CBD", "Australia/Sydney")
    ben = testing.make_clinician("Ben", [clinic])
    review = testing.make_type("Review", 30, "75.50")
    john = testing.make_patient(clinic, "John", "Smith", email="john.smith@example.com")
    starts = datetime(2026, 4, 5, 9, 30, tzinfo=ZoneInfo("Australia/Sydney"))  # DST ends that day
    appointment = testing.make_appointment(john, ben, clinic, review, starts)
    appointment.refresh_from_db()

    result = copy_to_postgres(empty_postgres_database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every count matches" in result.stdout
    assert "MISMATCH" not in result.stdout

    with psycopg.connect(empty_postgres_database) as target:
        assert target.execute(
            "SELECT number, mobile, email FROM patients_patient WHERE id = %s", [john.pk]
        ).fetchone() == (john.number, john.mobile, john.email)
        assert target.execute(
            "SELECT starts_at, updated_at, patient_id FROM scheduling_appointment WHERE id = %s",
            [appointment.pk]).fetchone() == (appointment.starts_at, appointment.updated_at,
                                             john.pk)
        assert target.execute("SELECT price FROM scheduling_appointmenttype WHERE id = %s",
                              [review.pk]).fetchone()[0] == review.price
        assert target.execute(
            "SELECT clinic_id FROM clinics_clinician_clinics WHERE clinician_id = %s", [ben.pk]
        ).fetchall() == [(clinic.pk,)]
        # The id sequences continue after the copied ids.
        next_id = target.execute(
            "INSERT INTO scheduling_appointmenttype (name, duration_minutes, price, colour, "
            "active) VALUES ('New', 15, 10, '#60a5fa', true) RETURNING id").fetchone()[0]
        assert next_id > review.pk

    again = copy_to_postgres(empty_postgres_database)
    assert again.returncode != 0
    assert "already holds tables" in again.stderr
