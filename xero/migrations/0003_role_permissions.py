from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def apply_xero_permissions(apps, schema_editor):
    # As billing.0002 and messaging.0002: create xero's permissions now and re-apply the role
    # table of accounts/roles.py (reception may view links and sync a patient).
    config = global_apps.get_app_config("xero")
    saved = config.models_module
    config.models_module = saved or True
    try:
        create_permissions(config, verbosity=0, apps=apps)
    finally:
        config.models_module = saved
    from accounts.roles import sync_roles

    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("xero", "0002_sync_job_heartbeat"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(apply_xero_permissions, migrations.RunPython.noop)]
