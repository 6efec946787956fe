from django.contrib import admin

from .models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["number", "last_name", "first_name", "date_of_birth", "mobile", "home_clinic",
                    "archived"]
    list_filter = ["home_clinic", "archived", "sex", "sms_consent"]
    search_fields = ["search_text", "=number"]
    readonly_fields = ["number", "created_at", "updated_at", "sms_opted_out_at"]
    list_select_related = ["home_clinic"]
    date_hierarchy = "created_at"
