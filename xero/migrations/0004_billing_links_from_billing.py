"""The Xero write links, the sweep state and Xero-only invoices, taken over from billing
(billing 0008). State only: the billing_* tables already exist and keep their names and data."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0010_xero_links_move_to_xero'),
        ('xero', '0003_role_permissions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='XeroInvoiceSweep',
                    fields=[
                        ('name', models.CharField(default='payments', max_length=30, primary_key=True, serialize=False)),
                        ('changed_since', models.DateTimeField(blank=True, null=True)),
                        ('last_run_at', models.DateTimeField(blank=True, null=True)),
                        ('last_calls', models.PositiveIntegerField(default=0)),
                        ('last_updated', models.PositiveIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                    ],
                    options={
                        'db_table': 'billing_xeroinvoicesweep',
                    },
                ),
                migrations.CreateModel(
                    name='XeroOrphanInvoice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('xero_invoice_id', models.CharField(max_length=64, unique=True)),
                        ('number', models.CharField(max_length=30)),
                        ('total', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('status', models.CharField(blank=True, max_length=20)),
                        ('first_seen', models.DateTimeField(auto_now_add=True)),
                        ('last_seen', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'billing_xeroorphaninvoice',
                        'ordering': ['number'],
                    },
                ),
                migrations.CreateModel(
                    name='XeroCreditNoteLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Sending to Xero'), ('synced', 'In Xero'), ('failed', 'Failed to sync')], default='pending', max_length=10)),
                        ('outcome_unknown', models.BooleanField(default=False)),
                        ('error', models.TextField(blank=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('synced_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('xero_credit_note_id', models.CharField(blank=True, max_length=64)),
                        ('allocated', models.BooleanField(default=False)),
                        ('credit_note', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='xero_link', to='billing.creditnote')),
                    ],
                    options={
                        'db_table': 'billing_xerocreditnotelink',
                    },
                ),
                migrations.CreateModel(
                    name='XeroInvoiceLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Sending to Xero'), ('synced', 'In Xero'), ('failed', 'Failed to sync')], default='pending', max_length=10)),
                        ('outcome_unknown', models.BooleanField(default=False)),
                        ('error', models.TextField(blank=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('synced_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('xero_invoice_id', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('xero_status', models.CharField(blank=True, max_length=20)),
                        ('xero_total', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('xero_amount_paid', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('invoice', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='xero_link', to='billing.invoice')),
                    ],
                    options={
                        'db_table': 'billing_xeroinvoicelink',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('xero_invoice_id', ''), _negated=True), fields=('xero_invoice_id',), name='xero_invoice_linked_once')],
                    },
                ),
                migrations.CreateModel(
                    name='XeroPaymentLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Sending to Xero'), ('synced', 'In Xero'), ('failed', 'Failed to sync')], default='pending', max_length=10)),
                        ('outcome_unknown', models.BooleanField(default=False)),
                        ('error', models.TextField(blank=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('synced_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('xero_payment_id', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('payment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='xero_link', to='billing.payment')),
                    ],
                    options={
                        'db_table': 'billing_xeropaymentlink',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('xero_payment_id', ''), _negated=True), fields=('xero_payment_id',), name='xero_payment_linked_once')],
                    },
                ),
            ],
        ),
    ]
