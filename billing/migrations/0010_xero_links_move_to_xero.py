"""The Xero write links, the sweep state and Xero-only invoices move to the xero app (billing never
imports xero). State only: the tables keep their names (db_table in xero.models), no data is copied."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0009_merge_admin_permissions_front_desk_money'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='xerocreditnotelink',
                    name='credit_note',
                ),
                migrations.RemoveConstraint(
                    model_name='xeroinvoicelink',
                    name='xero_invoice_linked_once',
                ),
                migrations.DeleteModel(
                    name='XeroInvoiceSweep',
                ),
                migrations.DeleteModel(
                    name='XeroOrphanInvoice',
                ),
                migrations.RemoveConstraint(
                    model_name='xeropaymentlink',
                    name='xero_payment_linked_once',
                ),
                migrations.DeleteModel(
                    name='XeroCreditNoteLink',
                ),
                migrations.RemoveField(
                    model_name='xeropaymentlink',
                    name='payment',
                ),
                migrations.DeleteModel(
                    name='XeroInvoiceLink',
                ),
                migrations.DeleteModel(
                    name='XeroPaymentLink',
                ),
            ],
        ),
    ]
