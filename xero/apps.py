from django.apps import AppConfig


class XeroConfig(AppConfig):
    name = "xero"
    verbose_name = "Xero"

    def ready(self):
        from accounts.roles import RECEPTIONIST, register_role_permissions
        from ncc.navigation import (
            DASHBOARD_ATTENTION,
            PATIENT_LIST_BADGES,
            PATIENT_PANELS,
            SETTINGS_SECTIONS,
            SettingsSection,
        )

        from .attention import xero_attention
        from .queries import synced_badges

        if xero_attention not in DASHBOARD_ATTENTION:
            DASHBOARD_ATTENTION.append(xero_attention)
        if not any(s.url_name == "xero:settings" for s in SETTINGS_SECTIONS):
            SETTINGS_SECTIONS.append(SettingsSection(
                "Xero", "xero:settings",
                "Connect the practice's Xero organisation, map appointment types and clinics, "
                "and sync patients as contacts."))
        if "xero/_patient_panel.html" not in PATIENT_PANELS:
            PATIENT_PANELS.append("xero/_patient_panel.html")
        if synced_badges not in PATIENT_LIST_BADGES:
            PATIENT_LIST_BADGES.append(synced_badges)
        # Reception may see links and sync a patient; connecting and mappings stay with admins.
        register_role_permissions(RECEPTIONIST, ["xero.view_xerocontactlink",
                                                 "xero.add_xerocontactlink"])
