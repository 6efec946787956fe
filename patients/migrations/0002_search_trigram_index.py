from django.db import migrations

from ncc.db import PostgresOnlySQL


class Migration(migrations.Migration):
    # CREATE EXTENSION may need a superuser; on Cloud SQL pg_trgm is allow-listed for the owner.
    dependencies = [("patients", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS patient_search_trgm "
            "ON patients_patient USING gin (search_text gin_trgm_ops)",
            "DROP INDEX IF EXISTS patient_search_trgm",
        ),
    ]
