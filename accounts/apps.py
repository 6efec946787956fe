from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        from .roles import sync_roles_after_migrate

        # Permissions of apps added later are created by post_migrate too; re-applying the role
        # table after every migrate keeps the Groups equal to what roles.py says.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        from . import audit_hooks

        audit_hooks.connect()
