from django.contrib import admin

from .models import NumberSequence, ScheduledTask

admin.site.site_header = "Nexus Core Clinic administration"
admin.site.site_title = "NCC admin"


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "last_value"]
    search_fields = ["name"]


@admin.register(ScheduledTask)
class ScheduledTaskAdmin(admin.ModelAdmin):
    list_display = ["task_path", "interval_seconds", "next_run_at", "last_enqueued_at", "last_error"]
    readonly_fields = ["task_path", "last_enqueued_at", "last_result_id", "last_error"]
