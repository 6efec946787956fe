from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        from ncc.navigation import NAV_ITEMS, PATIENT_PANELS, NavItem

        if "audit/_patient_panel.html" not in PATIENT_PANELS:
            PATIENT_PANELS.append("audit/_patient_panel.html")
        if not any(i.url_name == "audit:index" for i in NAV_ITEMS):
            NAV_ITEMS.append(NavItem("Audit", "audit:index", "audit.view_auditevent",
                                     admin_only=True, section="audit"))
