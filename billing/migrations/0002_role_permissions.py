from django.db import migrations

from accounts.roles import apply_roles_migration


class Migration(migrations.Migration):
    """Roles are applied by migration: create billing's permissions and give the role Groups the
    ones accounts/roles.py (and billing's AppConfig) lists for them."""

    dependencies = [
        ("billing", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(apply_roles_migration("billing"), migrations.RunPython.noop)]
