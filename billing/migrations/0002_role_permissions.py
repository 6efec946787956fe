from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def apply_billing_permissions(apps, schema_editor):
    # Roles are applied by migration (DESIGN.md). On a fresh database post_migrate may not reach
    # billing (accounts.0003 leaves app configs without models_module), so create billing's
    # permissions here and give the role Groups the ones accounts/roles.py lists for them.
    config = global_apps.get_app_config("billing")
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
        ("billing", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(apply_billing_permissions, migrations.RunPython.noop)]
