from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self):
        from accounts.roles import CLINICIAN, RECEPTIONIST, register_role_permissions

        register_role_permissions(RECEPTIONIST, [
            "scheduling.view_workinghours", "scheduling.add_workinghours",
            "scheduling.change_workinghours", "scheduling.delete_workinghours",
            "scheduling.view_timeoff", "scheduling.add_timeoff", "scheduling.change_timeoff",
            "scheduling.delete_timeoff",
        ])
        register_role_permissions(CLINICIAN, [
            "scheduling.view_workinghours", "scheduling.view_timeoff",
        ])
