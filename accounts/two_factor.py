"""Two-factor login with django-otp: an authenticator app (TOTP) and ten single-use recovery
codes. Who must use it: admins always, everyone when MFA_REQUIRED_FOR_ALL is on."""

import secrets

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import record

RECOVERY_CODES = 10


def two_factor_required(user) -> bool:
    if not settings.MFA_ENFORCED:
        return False
    return bool(user.is_admin or settings.MFA_REQUIRED_FOR_ALL)


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user) -> TOTPDevice:
    """The authenticator being set up: made once, shown as a QR code until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app",
                                               confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111827")


@transaction.atomic
def confirm_totp(user, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; returns the new recovery codes
    (shown once) or None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code.replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    record(user, AuditEvent.Action.MFA, user, "Set up two-factor login (authenticator app)")
    return codes


def new_recovery_codes(user) -> list[str]:
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    static.token_set.all().delete()
    # django-otp keeps a static token in 16 characters: 8 + dash + 6 hex digits (56 bits, single use).
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


@transaction.atomic
def remove_two_factor(user, *, actor) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(actor, AuditEvent.Action.MFA, user, f"Removed two-factor login of {user.email}")
