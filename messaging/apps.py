from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "SMS"

    def ready(self):
        from dataclasses import replace

        from accounts.roles import ADMIN, CLINICIAN, RECEPTIONIST, register_role_permissions
        from ncc import navigation

        from . import services

        def unread_badge(request):
            return services.unread_count() or None

        navigation.NAV_ITEMS[:] = [
            replace(item, badge=unread_badge) if item.url_name == "messaging:inbox" else item
            for item in navigation.NAV_ITEMS
        ]
        section = navigation.SettingsSection(
            "SMS", "messaging:settings",
            "Sender name, reply number, reminder rules, templates and the SMS Broadcast balance.")
        if section not in navigation.SETTINGS_SECTIONS:
            navigation.SETTINGS_SECTIONS.append(section)
        from .attention import sms_attention

        if sms_attention not in navigation.DASHBOARD_ATTENTION:
            navigation.DASHBOARD_ATTENTION.append(sms_attention)
        if "messaging/_patient_sms.html" not in navigation.PATIENT_PANELS:
            navigation.PATIENT_PANELS.append("messaging/_patient_sms.html")
        staff = ["messaging.view_smsmessage", "messaging.add_smsmessage",
                 "messaging.change_smsmessage", "messaging.view_smstemplate"]
        register_role_permissions(RECEPTIONIST, staff)
        register_role_permissions(CLINICIAN, staff)
        register_role_permissions(ADMIN, [])
