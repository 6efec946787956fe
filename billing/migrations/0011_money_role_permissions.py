from django.db import migrations

from accounts.roles import apply_roles_migration


class Migration(migrations.Migration):
    """Reception sees products, keeps payers and closes the day; clinicians see products."""

    dependencies = [("billing", "0010_xero_links_move_to_xero")]

    operations = [migrations.RunPython(apply_roles_migration("billing"), migrations.RunPython.noop)]
