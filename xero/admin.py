from django.contrib import admin, messages

from patients.models import Patient

from . import services
from .client import XeroError
from .models import (
    XeroAccountMapping,
    XeroApiCall,
    XeroConnection,
    XeroContactLink,
    XeroItemMapping,
    XeroOrphanInvoice,
    XeroSyncJob,
    XeroTrackingMapping,
)


@admin.register(XeroConnection)
class XeroConnectionAdmin(admin.ModelAdmin):
    list_display = ["tenant_name", "status", "connected_by", "connected_at", "refreshed_at"]
    # Tokens never appear here: they are encrypted and excluded.
    exclude = ["access_token_encrypted", "refresh_token_encrypted"]
    readonly_fields = ["status", "tenant_id", "tenant_name", "xero_connection_id",
                       "auth_event_id", "available_tenants", "scopes", "xero_user_email",
                       "access_expires_at", "refresh_token_issued_at", "refreshed_at",
                       "refresh_count", "connected_by", "connected_at", "disconnected_at",
                       "last_error", "last_error_at"]

    def has_add_permission(self, request):
        return False


@admin.register(XeroContactLink)
class XeroContactLinkAdmin(admin.ModelAdmin):
    list_display = ["patient", "contact_number", "contact_name", "status", "synced_at"]
    list_filter = ["status"]
    search_fields = ["contact_number", "contact_name", "contact_id"]
    raw_id_fields = ["patient"]
    actions = ["sync_now"]

    @admin.action(description="Sync selected patients to Xero now")
    def sync_now(self, request, queryset):
        _sync(self, request, list(queryset.values_list("patient_id", flat=True)))


def _sync(model_admin, request, patient_ids):
    try:
        conn = services.active_connection()
        result = services.ContactSync(conn).run(patient_ids)
    except XeroError as exc:
        model_admin.message_user(request, exc.message, messages.ERROR)
        return
    level = messages.SUCCESS if not result.failed else messages.WARNING
    model_admin.message_user(request, f"{result.synced} synced to Xero, {result.failed} failed "
                             f"({result.calls} calls).", level)


class SyncPatientsToXero:
    """Adds 'Sync to Xero' to the Patient admin without the patients app importing us."""

    @staticmethod
    def install():
        patient_admin = admin.site._registry.get(Patient)
        if patient_admin is None:
            return

        def sync_to_xero(model_admin, request, queryset):
            _sync(model_admin, request, list(queryset.values_list("pk", flat=True)))

        sync_to_xero.short_description = "Sync selected patients to Xero"
        actions = list(patient_admin.actions or [])
        if "sync_to_xero" not in [getattr(a, "__name__", a) for a in actions]:
            patient_admin.actions = [*actions, sync_to_xero]


SyncPatientsToXero.install()


@admin.register(XeroItemMapping)
class XeroItemMappingAdmin(admin.ModelAdmin):
    list_display = ["appointment_type", "item_code", "account_code", "tax_type"]


@admin.register(XeroAccountMapping)
class XeroAccountMappingAdmin(admin.ModelAdmin):
    list_display = ["purpose", "account_code", "account_name"]


@admin.register(XeroTrackingMapping)
class XeroTrackingMappingAdmin(admin.ModelAdmin):
    list_display = ["clinic", "category_name", "option_name"]


@admin.register(XeroApiCall)
class XeroApiCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "endpoint", "status", "duration_ms",
                    "min_remaining", "day_remaining", "error"]
    list_filter = ["status", "method"]
    search_fields = ["endpoint", "error"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(XeroSyncJob)
class XeroSyncJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "status", "total", "synced", "failed", "calls", "resume_at"]
    readonly_fields = ["status", "total", "synced", "failed", "calls", "message", "resume_at",
                       "started_at", "finished_at", "started_by"]


@admin.register(XeroOrphanInvoice)
class XeroOrphanInvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "total", "first_seen", "last_seen"]
    search_fields = ["number", "xero_invoice_id"]
