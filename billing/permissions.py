"""Who sees which invoices: those of the clinics the user works at (clinics.permissions).

Voiding, crediting (a refund) and exporting every invoice are their own permissions
(billing.void_invoice, billing.credit_invoice, billing.export_invoices): admins hold them, and an
admin may give them to another role (accounts.roles.ASSIGNABLE_PERMISSIONS)."""

from clinics.permissions import scope_by_clinic


def visible_invoices(user):
    from .models import Invoice

    return scope_by_clinic(Invoice.objects.all(), user)
