from django.contrib import admin

from .models import Appointment, AppointmentType


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "price", "colour", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "patient", "clinician", "clinic", "appointment_type", "status",
                    "is_paid"]
    list_filter = ["status", "clinic", "clinician", "appointment_type", "is_paid"]
    search_fields = ["patient__search_text", "reason", "notes"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "clinician__user", "clinic", "appointment_type"]
    autocomplete_fields = ["patient"]
    raw_id_fields = ["created_by"]
