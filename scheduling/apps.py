from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self):
        from accounts.roles import CLINICIAN, RECEPTIONIST, register_role_permissions
        from ncc.navigation import SETTINGS_SECTIONS, SettingsSection

        register_role_permissions(RECEPTIONIST, [
            "scheduling.view_workinghours", "scheduling.add_workinghours",
            "scheduling.change_workinghours", "scheduling.delete_workinghours",
            "scheduling.view_timeoff", "scheduling.add_timeoff", "scheduling.change_timeoff",
            "scheduling.delete_timeoff",
        ])
        register_role_permissions(CLINICIAN, [
            "scheduling.view_workinghours", "scheduling.view_timeoff",
        ])
        if not any(s.url_name == "admin:scheduling_workinghours_changelist"
                   for s in SETTINGS_SECTIONS):
            SETTINGS_SECTIONS.append(SettingsSection(
                "Working hours and time off", "admin:scheduling_workinghours_changelist",
                "When each clinician works at each clinic; leave and training. Without rows, "
                "a clinician works the clinic's opening hours."))
