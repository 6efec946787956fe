from django.contrib import admin

from .models import NumberSequence

admin.site.site_header = "Nexus Core Clinic administration"
admin.site.site_title = "NCC admin"


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "last_value"]
    search_fields = ["name"]
