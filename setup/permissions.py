"""Settings are for admins (the practice owner and whoever they make admin)."""

from django.core.exceptions import PermissionDenied


def can_change_settings(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_admin


def require_settings_access(user) -> None:
    if not can_change_settings(user):
        raise PermissionDenied
