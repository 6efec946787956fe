from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = "Clinical records"

    def ready(self):
        from accounts.roles import (
            ASSIGNABLE_PERMISSIONS,
            CLINICIAN,
            RECEPTIONIST,
            register_role_permissions,
        )
        from ncc.navigation import (
            APPOINTMENT_PANELS,
            NAV_ITEMS,
            PATIENT_PANELS,
            SETTINGS_SECTIONS,
            NavItem,
            SettingsSection,
        )
        from scheduling.services import PATIENT_BOOKING_WARNINGS

        from .services import referral_warnings

        # Reception sees that a note exists and who wrote it, never its content
        # (clinical.view_note_content); it keeps the referrer directory and referrals.
        front_desk = ["clinical.view_note", "clinical.view_referrer", "clinical.add_referrer",
                      "clinical.change_referrer", "clinical.view_referral",
                      "clinical.add_referral", "clinical.change_referral"]
        register_role_permissions(RECEPTIONIST, front_desk)
        register_role_permissions(CLINICIAN, front_desk + [
            "clinical.add_note", "clinical.change_note", "clinical.view_note_content",
            "clinical.add_addendum", "clinical.view_addendum",
            "clinical.view_attachment", "clinical.add_attachment",
            "clinical.view_letter", "clinical.add_letter", "clinical.change_letter",
            "clinical.view_notetemplate",
        ])
        # An admin may let reception read notes (a practice manager who is also a clinician's
        # assistant): sync_roles keeps that choice.
        if "clinical.view_note_content" not in ASSIGNABLE_PERMISSIONS:
            ASSIGNABLE_PERMISSIONS.append("clinical.view_note_content")
        if "clinical/_appointment_panel.html" not in APPOINTMENT_PANELS:
            APPOINTMENT_PANELS.insert(0, "clinical/_appointment_panel.html")
        if "clinical/_patient_panel.html" not in PATIENT_PANELS:
            PATIENT_PANELS.insert(0, "clinical/_patient_panel.html")
        if not any(item.url_name == "clinical:my_day" for item in NAV_ITEMS):
            NAV_ITEMS.insert(1, NavItem("My day", "clinical:my_day", "clinical.add_note",
                                        section="clinical"))
        if not any(s.url_name == "clinical:templates" for s in SETTINGS_SECTIONS):
            SETTINGS_SECTIONS.append(SettingsSection(
                "Note templates", "clinical:templates",
                "Sections and questions of treatment notes; notes keep the questions they were "
                "written with."))
            SETTINGS_SECTIONS.append(SettingsSection(
                "Referrers", "clinical:referrers",
                "GPs and specialists: provider numbers, practices, fax and email."))
        if referral_warnings not in PATIENT_BOOKING_WARNINGS:
            PATIENT_BOOKING_WARNINGS.append(referral_warnings)
