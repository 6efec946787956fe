from django.db import migrations


def apply_roles(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    """Clinicians may add appointments (into their own column: scheduling.permissions)."""

    dependencies = [("accounts", "0003_role_groups"), ("scheduling", "0001_initial")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
