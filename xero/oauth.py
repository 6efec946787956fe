"""OAuth2 for a confidential web app: the authorize redirect with a checked `state`, the code
exchange, and token refresh that happens once per connection however many workers need a token
(row lock), that survives a lost reply (Xero lets the previous refresh token be replayed for 30
minutes), and that turns invalid_grant into "needs reconnecting"."""

import base64
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import client
from .client import XeroError, XeroNotConnected, XeroReauthRequired, XeroUnavailable
from .models import XeroConnection

SESSION_STATE_KEY = "xero_oauth_state"
# Renew this long before Xero's expiry, so a call never leaves with a token about to die.
EXPIRY_SKEW = timedelta(seconds=60)
REFRESH_ATTEMPTS = 3

REAUTH_WORDS = ("Xero no longer accepts our sign-in (the authorisation was revoked or expired). "
                "An admin must reconnect Xero in Settings; syncing is paused until then.")


def scopes() -> list[str]:
    return settings.XERO_SCOPES.split()


def start(request) -> str:
    """The URL to send the admin to; remembers `state` in the session."""
    state = secrets.token_urlsafe(24)
    request.session[SESSION_STATE_KEY] = state
    return client.authorize_url({"response_type": "code", "client_id": settings.XERO_CLIENT_ID,
                                 "redirect_uri": settings.XERO_REDIRECT_URI,
                                 "scope": " ".join(scopes()), "state": state})


def check_state(request, returned: str) -> bool:
    expected = request.session.pop(SESSION_STATE_KEY, None)
    return bool(expected) and secrets.compare_digest(expected, returned or "")


def jwt_claims(token: str) -> dict:
    """Claims of a JWT without verifying it: only to read ids Xero put there for us."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


def _expires_at(expires_in) -> timezone.datetime:
    # Against an accelerated fake clock, Xero's 30 minutes pass faster.
    speed = float(settings.XERO_CLOCK_SPEED)
    seconds = float(expires_in or 1800) - EXPIRY_SKEW.total_seconds()
    return timezone.now() + timedelta(seconds=seconds / speed)


def exchange_code(code: str) -> dict:
    status, body = client.token_request({"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": settings.XERO_REDIRECT_URI})
    if status != 200 or not isinstance(body, dict) or "access_token" not in body:
        raise XeroError("Xero did not accept the sign-in (the code may have expired). "
                        "Please connect again.")
    return body


def apply_token(conn: XeroConnection, token: dict) -> None:
    conn.access_token = token["access_token"]
    conn.access_expires_at = _expires_at(token.get("expires_in"))
    if token.get("refresh_token"):
        conn.refresh_token = token["refresh_token"]
        conn.refresh_token_issued_at = timezone.now()
    if token.get("scope"):
        conn.scopes = token["scope"]


def _fresh(conn: XeroConnection) -> bool:
    return bool(conn.access_token_encrypted) and conn.access_expires_at is not None \
        and conn.access_expires_at > timezone.now()


def _usable(conn: XeroConnection) -> None:
    if conn.status == XeroConnection.Status.NEEDS_REAUTH:
        raise XeroReauthRequired(REAUTH_WORDS)
    if conn.status != XeroConnection.Status.ACTIVE and conn.status != \
            XeroConnection.Status.CHOOSING:
        raise XeroNotConnected("Xero is not connected. An admin can connect it in Settings.")


def access_token_for(connection_id: int, *, stale_token: str | None = None) -> str:
    """A valid access token. `stale_token`: the one Xero just refused, so renew unless another
    worker already did. Refreshes happen inside a row lock, so concurrent workers refresh once."""
    conn = XeroConnection.objects.get(pk=connection_id)
    _usable(conn)
    if _fresh(conn) and (stale_token is None or conn.access_token != stale_token):
        return conn.access_token
    outcome = None
    with transaction.atomic():
        conn = XeroConnection.objects.select_for_update().get(pk=connection_id)
        _usable(conn)
        current = conn.access_token
        if _fresh(conn) and (stale_token is None or current != stale_token):
            return current
        refresh_token = conn.refresh_token
        if not refresh_token:
            outcome = "reauth"
        else:
            status, body = None, None
            # A lost reply leaves Xero holding a rotated token we never saw; replaying the
            # same refresh token inside the 30-minute grace period gets a fresh pair.
            for _ in range(REFRESH_ATTEMPTS):
                status, body = client.token_request(
                    {"grant_type": "refresh_token", "refresh_token": refresh_token},
                    connection_id=conn.pk)
                if status is not None and status < 500:
                    break
            if status == 200 and isinstance(body, dict) and body.get("access_token"):
                apply_token(conn, body)
                conn.refreshed_at = timezone.now()
                conn.refresh_count += 1
                conn.save(update_fields=["access_token_encrypted", "access_expires_at",
                                         "refresh_token_encrypted", "refresh_token_issued_at",
                                         "scopes", "refreshed_at", "refresh_count"])
                return conn.access_token
            if status in (400, 401) and isinstance(body, dict) and \
                    body.get("error") in ("invalid_grant", "invalid_client",
                                          "unauthorized_client"):
                outcome = "reauth"
            else:
                outcome = "unavailable"
        if outcome == "reauth":
            # Saved inside the lock and committed: the error below must not roll it back.
            conn.status = XeroConnection.Status.NEEDS_REAUTH
            conn.last_error, conn.last_error_at = REAUTH_WORDS, timezone.now()
            conn.save(update_fields=["status", "last_error", "last_error_at"])
    if outcome == "reauth":
        raise XeroReauthRequired(REAUTH_WORDS)
    raise XeroUnavailable("Xero's sign-in service is not answering; we will try again shortly.")
