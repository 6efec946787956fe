from django.contrib import admin

from .models import Appointment, AppointmentType, TimeOff, WorkingHours


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "price", "colour", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "patient", "clinician", "clinic", "appointment_type", "status",
                    "is_paid", "confirmation_email_status"]
    list_filter = ["status", "clinic", "clinician", "appointment_type", "is_paid",
                   "confirmation_email_status"]
    search_fields = ["patient__search_text", "reason", "notes"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "clinician__user", "clinic", "appointment_type"]
    autocomplete_fields = ["patient"]
    raw_id_fields = ["created_by"]
    readonly_fields = ["confirmation_email_status", "confirmation_email_detail",
                       "confirmation_email_at", "sequence"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["clinician", "clinic", "weekday", "starts", "ends"]
    list_filter = ["clinic", "clinician", "weekday"]
    list_select_related = ["clinician__user", "clinic"]
    list_editable = ["starts", "ends"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["clinician", "starts_at", "ends_at", "reason"]
    list_filter = ["clinician"]
    list_select_related = ["clinician__user"]
    date_hierarchy = "starts_at"
