from django.contrib import admin

from .models import ClinicSMSSettings, Reminder, ReminderRule, SMSMessage, SMSTemplate


@admin.register(SMSMessage)
class SMSMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "direction", "kind", "number", "status", "segments", "clinic"]
    list_filter = ["status", "direction", "kind", "clinic"]
    search_fields = ["number", "ref", "gateway_ref", "body"]
    raw_id_fields = ["patient", "appointment", "in_reply_to", "resend_of", "created_by"]
    readonly_fields = ["ref", "gateway_ref", "sent_at", "delivered_at", "attempts"]


@admin.register(SMSTemplate)
class SMSTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_reminder", "active"]


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["clinic", "kind", "send_at", "hours_before", "template", "active"]
    list_filter = ["clinic", "active"]


@admin.register(ClinicSMSSettings)
class ClinicSMSSettingsAdmin(admin.ModelAdmin):
    list_display = ["clinic", "enabled", "sender", "reply_number", "segment_limit"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["appointment", "rule", "starts_at", "created_at"]
    raw_id_fields = ["appointment", "message"]
