from django.contrib import admin, messages

from scheduling.models import Appointment

from . import services
from .errors import BillingError
from .models import CreditNote, Invoice, InvoiceLine, Payment


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ["position", "description", "quantity", "unit_amount", "line_amount", "gst",
              "account_code", "tax_type", "tracking_option", "appointment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["date", "amount", "method", "reference", "recorded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only here: invoices change through the billing pages, which keep totals right."""

    list_display = ["number", "issue_date", "patient", "clinic", "status", "total", "amount_due"]
    list_filter = ["status", "clinic", "issue_date"]
    search_fields = ["number", "patient__last_name", "patient__first_name"]
    date_hierarchy = "issue_date"
    list_select_related = ["patient", "clinic"]
    inlines = [InvoiceLineInline, PaymentInline]
    readonly_fields = [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "date", "amount", "method", "reference", "recorded_by"]
    list_filter = ["method", "date"]
    search_fields = ["invoice__number", "reference"]
    list_select_related = ["invoice", "recorded_by"]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description="Create invoices for the selected appointments")
def create_invoices_for_appointments(modeladmin, request, queryset):
    if not request.user.has_perm("billing.add_invoice"):
        modeladmin.message_user(request, "You may not create invoices.", messages.ERROR)
        return
    created, refused = [], []
    for appointment in queryset.select_related("patient").order_by("starts_at"):
        try:
            invoice = services.create_invoice_for_appointment(appointment.pk, actor=request.user)
        except BillingError as exc:
            refused.append(f"{appointment.patient.full_name} "
                           f"{appointment.local_starts_at:%d/%m/%Y %H:%M}: {exc.message}")
        else:
            created.append(invoice.number)
    if created:
        modeladmin.message_user(request, f"Created {len(created)} invoice"
                                         f"{'s' if len(created) != 1 else ''}: "
                                         f"{', '.join(created)}.", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, f"Not invoiced: {line}", messages.WARNING)


# The Appointment admin belongs to scheduling; billing adds its action to the registered instance
# instead of editing scheduling/admin.py (billing's admin loads after scheduling's).
def _extend_appointment_admin():
    if not admin.site.is_registered(Appointment):
        return
    appointment_admin = admin.site.get_model_admin(Appointment)
    actions = list(appointment_admin.actions or [])
    if create_invoices_for_appointments not in actions:
        appointment_admin.actions = [*actions, create_invoices_for_appointments]


_extend_appointment_admin()


@admin.register(CreditNote)
class CreditNoteAdmin(admin.ModelAdmin):
    """Read-only: credit notes are issued from the invoice page (services.credit_invoice)."""

    list_display = ["number", "invoice", "date", "amount", "gst", "refund_method"]
    search_fields = ["number", "invoice__number"]
    readonly_fields = ["number", "invoice", "date", "amount", "gst", "reason", "refund_method",
                       "created_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
