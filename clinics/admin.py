from django.contrib import admin

from .models import Clinic, Clinician, OpeningHours


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "suburb", "state", "time_zone", "active"]
    list_filter = ["state", "time_zone", "active"]
    search_fields = ["name", "short_name", "suburb", "postcode"]
    inlines = [OpeningHoursInline]


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    list_display = ["display_name", "profession", "provider_number", "active"]
    list_filter = ["active", "clinics", "profession"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "provider_number"]
    filter_horizontal = ["clinics"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
