from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def apply_messaging_permissions(apps, schema_editor):
    # Same approach as billing.0002: post_migrate may not reach this app on a fresh database, so
    # create messaging's permissions here and re-apply the role table of accounts/roles.py.
    config = global_apps.get_app_config("messaging")
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
        ("messaging", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(apply_messaging_permissions, migrations.RunPython.noop)]
