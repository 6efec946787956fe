from django.contrib import admin

from .models import Patient, PatientImport


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["number", "last_name", "first_name", "date_of_birth", "mobile", "home_clinic",
                    "archived"]
    list_filter = ["home_clinic", "archived", "sex", "sms_consent"]
    search_fields = ["search_text", "=number"]
    readonly_fields = ["number", "created_at", "updated_at", "sms_opted_out_at"]
    list_select_related = ["home_clinic"]
    date_hierarchy = "created_at"


@admin.register(PatientImport)
class PatientImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "home_clinic", "status", "created", "created_by", "created_at"]
    list_filter = ["status", "home_clinic"]
    search_fields = ["file_name"]
    exclude = ["content"]
    readonly_fields = ["file_name", "home_clinic", "skip_duplicates", "status", "created",
                       "skipped", "created_by", "created_at", "imported_at"]
