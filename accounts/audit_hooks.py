"""Logins, logouts, failed logins and permission changes go into the audit trail. Django announces
these only as signals (its login view, admin, axes), so the audit listens to them here."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed

from audit.models import AuditEvent
from audit.services import record


def _address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:45]


def _logged_in(sender, request, user, **kwargs):
    import time

    from .middleware import LAST_SEEN, NO_DEVICE, STARTED
    from .two_factor import has_confirmed_device

    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[LAST_SEEN] = now
        # Asked once at login, not on every request (TwoFactorRequiredMiddleware).
        request.session[NO_DEVICE] = not has_confirmed_device(user)
    record(user, AuditEvent.Action.LOGIN, user, f"Logged in from {_address(request)}")


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user, AuditEvent.Action.LOGOUT, user, "Logged out")


def _login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    email = str(credentials.get("username", ""))[:200]
    user = get_user_model().objects.filter(email__iexact=email).first()
    AuditEvent.objects.create(
        actor=None, action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user", object_id=str(user.pk) if user else "",
        summary=f"Failed login as {email} from {_address(request)}"[:300])


def _permissions_changed(sender, instance, action, pk_set, model, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or (
            not pk_set and action != "post_clear"):
        return
    from django.contrib.auth.models import Group

    what = "groups" if model is Group else "permissions" if model.__name__ == "Permission" \
        else model.__name__.lower()
    record(None, AuditEvent.Action.PERMISSION, instance,
           f"{what} {action.removeprefix('post_')}: {sorted(pk_set or [])}"[:300])


def connect():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user_logged_in.connect(_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through,
                    Group.permissions.through, user.clinics.through):
        m2m_changed.connect(_permissions_changed, sender=through,
                            dispatch_uid=f"audit.perms.{through.__name__}")
