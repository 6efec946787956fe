from django.contrib import admin

from .models import NumberSequence, ScheduledTask

admin.site.site_header = "Nexus Core Clinic administration"
admin.site.site_title = "NCC admin"


def _superusers_only(request) -> bool:
    """Django admin is a superuser's repair kit, not the practice's settings: those are in-app
    pages (Settings) in the app's own look, with its validation and audit. Nobody else gets in,
    whatever their is_staff flag says."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "last_value"]
    search_fields = ["name"]


@admin.register(ScheduledTask)
class ScheduledTaskAdmin(admin.ModelAdmin):
    list_display = ["task_path", "interval_seconds", "next_run_at", "last_enqueued_at", "last_error"]
    readonly_fields = ["task_path", "last_enqueued_at", "last_result_id", "last_error"]
