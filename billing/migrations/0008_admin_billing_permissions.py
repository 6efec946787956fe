from django.db import migrations

from accounts.roles import apply_roles_migration


class Migration(migrations.Migration):
    """Void, credit and export become their own permissions, held by admins (an admin may give
    them to another role); reception keeps taking payments and approving invoices."""

    dependencies = [
        ('billing', '0007_credit_notes_orphans'),
        ('accounts', '0005_user_clinics'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='invoice',
            options={'ordering': ['-issue_date', '-number'], 'permissions': [('void_invoice', 'Can void invoices'), ('credit_invoice', 'Can issue credit notes (refunds)'), ('export_invoices', 'Can export invoices to CSV')]},
        ),
        migrations.RunPython(apply_roles_migration("billing"), migrations.RunPython.noop),
    ]
