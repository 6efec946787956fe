from django.db import migrations

from accounts.roles import apply_roles_migration


class Migration(migrations.Migration):
    """Roles are applied by migration: create xero's permissions and give the role Groups the
    ones accounts/roles.py (and xero's AppConfig) lists for them."""

    dependencies = [
        ("xero", "0002_sync_job_heartbeat"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(apply_roles_migration("xero"), migrations.RunPython.noop)]
