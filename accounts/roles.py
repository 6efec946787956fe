"""The three staff roles and their permissions, defined here and applied to Groups by migration.

A role is a Group of the same name. Each entry lists Django permission codenames as
"app_label.codename". Object-level rules that a Group cannot express (a clinician changes only
their own appointments) live in the app's permissions module.
"""

ADMIN = "admin"
CLINICIAN = "clinician"
RECEPTIONIST = "receptionist"
ROLE_CHOICES = [(ADMIN, "Admin"), (CLINICIAN, "Clinician"), (RECEPTIONIST, "Receptionist")]

_VIEW_CORE = [
    "clinics.view_clinic",
    "clinics.view_clinician",
    "patients.view_patient",
    "scheduling.view_appointmenttype",
    "scheduling.view_appointment",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    RECEPTIONIST: _VIEW_CORE
    + [
        "patients.add_patient",
        "patients.change_patient",
        "scheduling.add_appointment",
        "scheduling.change_appointment",
    ],
    CLINICIAN: _VIEW_CORE
    + [
        "patients.change_patient",
        "scheduling.add_appointment",  # into their own column only (scheduling.permissions)
        "scheduling.change_appointment",
    ],
    # Admins get every permission of every app (see sync_roles); listed here for clarity.
    ADMIN: [],
}

# Permissions an admin may give to (or take from) another role in Django admin (Groups): they are
# admin-only by default, and sync_roles keeps whatever an admin chose for them. Money going back
# out (void, credit) and every invoice at once (export).
ASSIGNABLE_PERMISSIONS = [
    "billing.void_invoice",
    "billing.credit_invoice",
    "billing.export_invoices",
]

# Extra permission lists that other apps register (billing, xero, messaging) without this module
# importing them: app -> role -> codenames. Apps append in their AppConfig.ready().
EXTRA_ROLE_PERMISSIONS: dict[str, list[str]] = {RECEPTIONIST: [], CLINICIAN: [], ADMIN: []}


def register_role_permissions(role: str, perms: list[str]) -> None:
    EXTRA_ROLE_PERMISSIONS[role].extend(p for p in perms if p not in EXTRA_ROLE_PERMISSIONS[role])


def sync_roles(group_model=None, permission_model=None) -> None:
    """Make each role Group hold exactly the permissions defined in code, plus the assignable ones
    an admin has given it."""
    from django.contrib.auth.models import Group, Permission

    group_model = group_model or Group
    permission_model = permission_model or Permission
    for role, _label in ROLE_CHOICES:
        group, _ = group_model.objects.get_or_create(name=role)
        if role == ADMIN:
            perms = list(permission_model.objects.all())
        else:
            wanted = ROLE_PERMISSIONS[role] + EXTRA_ROLE_PERMISSIONS[role]
            assignable = {tuple(p.split(".", 1)) for p in ASSIGNABLE_PERMISSIONS}
            perms = [p for p in group.permissions.select_related("content_type")
                     if (p.content_type.app_label, p.codename) in assignable]
            for dotted in wanted:
                app_label, codename = dotted.split(".", 1)
                perm = permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if perm is not None:
                    perms.append(perm)
        group.permissions.set(perms)


def sync_roles_after_migrate(sender, using="default", **kwargs):
    # post_migrate runs once per app, in INSTALLED_APPS order, after that app's permissions exist;
    # syncing each time is a handful of queries and leaves the Groups right whichever app is last.
    from django.contrib.auth import get_user_model

    sync_roles()
    from django.contrib.auth.models import Group

    for role, _label in ROLE_CHOICES:
        group = Group.objects.get(name=role)
        group.user_set.add(*get_user_model().objects.filter(role=role).exclude(groups=group))


def apply_roles_migration(app_label: str):
    """A RunPython function for an app's migration that applies the role table to that app's
    permissions: it creates them (Django otherwise does so only after the whole migrate) and
    re-syncs the role Groups from the historical models."""

    def apply(apps, schema_editor):
        from django.apps import apps as global_apps
        from django.contrib.auth.management import create_permissions

        create_permissions(global_apps.get_app_config(app_label), verbosity=0, apps=apps)
        sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))

    return apply
