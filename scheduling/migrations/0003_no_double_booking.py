"""No double booking, enforced by PostgreSQL: a clinician's non-cancelled appointments never
overlap. Half-open ranges '[)' so 9:00-9:30 and 9:30-10:00 touch without overlapping.
SQLite has no exclusion constraints; there scheduling.services checks inside a transaction that
takes the write lock at BEGIN (transaction_mode IMMEDIATE), which serialises writers."""

from django.db import migrations

from ncc.db import PostgresOnlySQL

CONSTRAINT = "appointment_clinician_no_overlap"


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0002_book"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT {CONSTRAINT}
                    EXCLUDE USING gist (clinician_id WITH =,
                                        tstzrange(starts_at, ends_at, '[)') WITH &&)
                    WHERE (status <> 'cancelled')""",
            ],
            reverse_sql=[f"ALTER TABLE scheduling_appointment DROP CONSTRAINT {CONSTRAINT}"],
        ),
    ]
