"""The fake Xero's identity side: the consent page (authorize), the token endpoint with
rotating refresh tokens and a 30-minute grace for the previous one, revocation, and
/connections (list, filter by authEventId, disconnect one organisation)."""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from .common import problem

GRACE_SECONDS = 30 * 60
ACCESS_SECONDS = 30 * 60
BROAD_SCOPES = {"accounting.transactions", "accounting.transactions.read",
                "accounting.reports.read"}


def _jwt(payload: dict) -> str:
    """An unsigned JWT-shaped token: enough for clients that read claims, never verified."""
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}.{secrets.token_urlsafe(16)}"


@dataclass
class Grant:
    """One user's consent to our app: its tenants, scopes and refresh-token family."""

    grant_id: str
    client_id: str
    scopes: list
    tenant_ids: list
    auth_event_id: str
    connection_ids: dict  # tenant_id -> connection id
    current_refresh: str | None = None
    previous_refresh: str | None = None
    previous_valid_until: float = 0.0
    revoked: bool = False
    refreshes: int = 0


class IdentityMixin:
    """Mixed into FakeXero: uses self.lock, self.clock, self.grants, self.codes,
    self.access_tokens, self.orgs, self.client_id/secret, self.stats."""

    def _client_ok(self, headers: dict, form: dict) -> bool:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secret == self.client_secret

    def _issue_tokens(self, grant: Grant) -> dict:
        now = self.clock.seconds()
        access = _jwt({"authentication_event_id": grant.auth_event_id, "jti": uuid.uuid4().hex,
                       "client_id": grant.client_id, "scope": grant.scopes})
        self.access_tokens[access] = {"grant": grant.grant_id, "expires": now + ACCESS_SECONDS}
        reply = {"access_token": access, "expires_in": ACCESS_SECONDS, "token_type": "Bearer",
                 "scope": " ".join(grant.scopes)}
        if "offline_access" in grant.scopes:
            new_refresh = secrets.token_urlsafe(32)
            grant.current_refresh = new_refresh
            reply["refresh_token"] = new_refresh
        if "openid" in grant.scopes:
            reply["id_token"] = _jwt({"email": self.user_email, "given_name": "Practice",
                                      "family_name": "Owner", "xero_userid": grant.grant_id})
        return reply

    def token_endpoint(self, headers: dict, form: dict) -> tuple[int, dict]:
        with self.lock:
            if not self._client_ok(headers, form):
                return 401, {"error": "invalid_client"}
            grant_type = form.get("grant_type")
            now = self.clock.seconds()
            if grant_type == "authorization_code":
                code = self.codes.pop(form.get("code", ""), None)
                if not code or code["expires"] < time.monotonic() or \
                        code["redirect_uri"] != form.get("redirect_uri"):
                    return 400, {"error": "invalid_grant"}
                grant = code["grant"]
                self.grants[grant.grant_id] = grant
                return 200, self._issue_tokens(grant)
            if grant_type == "refresh_token":
                token = form.get("refresh_token", "")
                for grant in self.grants.values():
                    if grant.revoked:
                        continue
                    if token == grant.current_refresh:
                        grant.previous_refresh, grant.previous_valid_until = token, \
                            now + GRACE_SECONDS
                    elif not (token == grant.previous_refresh and now <= grant.previous_valid_until):
                        continue
                    grant.refreshes += 1
                    self.stats["token_refreshes"] += 1
                    return 200, self._issue_tokens(grant)
                return 400, {"error": "invalid_grant"}
            return 400, {"error": "unsupported_grant_type"}

    def revoke_endpoint(self, headers: dict, form: dict) -> tuple[int, dict | None]:
        with self.lock:
            if not self._client_ok(headers, form):
                return 401, {"error": "invalid_client"}
            token = form.get("token", "")
            for grant in self.grants.values():
                if token in (grant.current_refresh, grant.previous_refresh):
                    grant.revoked = True
                    for access, info in list(self.access_tokens.items()):
                        if info["grant"] == grant.grant_id:
                            del self.access_tokens[access]
            return 200, None

    def authorize_decision(self, query: dict) -> tuple[int, str, str | None]:
        """(status, html, redirect). The consent page, or a redirect back to the app."""
        if query.get("client_id") != self.client_id:
            return 400, "<h1>Unknown app</h1><p>client_id is not registered.</p>", None
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
        scopes = query.get("scope", "").split()
        if self.granular_only and BROAD_SCOPES & set(scopes):
            return 302, "", redirect_uri + "?" + urlencode({"error": "invalid_scope",
                                                             "state": state})
        if query.get("response_type") != "code" or not redirect_uri:
            return 400, "<h1>Bad request</h1>", None
        if query.get("allow") != "1":
            orgs = "".join(f"<li>{html.escape(o.name)}</li>" for o in self.orgs.values())
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in query.items())
            body = (f"<!doctype html><title>Xero (fake) – Allow access</title>"
                    f"<h1>Allow access to your Xero organisations?</h1><ul>{orgs}</ul>"
                    f"<p>Scopes: {html.escape(' '.join(scopes))}</p>"
                    f'<form method="get">{hidden}<input type="hidden" name="allow" value="1">'
                    f'<button type="submit">Allow access</button></form>')
            return 200, body, None
        with self.lock:
            grant = Grant(grant_id=str(uuid.uuid4()), client_id=self.client_id, scopes=scopes,
                          tenant_ids=list(self.orgs), auth_event_id=str(uuid.uuid4()),
                          connection_ids={t: str(uuid.uuid4()) for t in self.orgs})
            code = secrets.token_urlsafe(24)
            # A code lives five minutes of wall-clock time, whatever the simulated clock's speed:
            # it spans a person's redirect, not a rate-limit window, and a busy test machine
            # must not see it expire between authorize and exchange.
            self.codes[code] = {"grant": grant, "redirect_uri": redirect_uri,
                                "expires": time.monotonic() + 300}
        return 302, "", redirect_uri + "?" + urlencode({"code": code, "state": state,
                                                         "scope": " ".join(scopes)})

    def _grant_for_bearer(self, headers: dict) -> tuple[Grant | None, dict | None]:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None, problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        info = self.access_tokens.get(auth[7:])
        if not info:
            return None, problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        if info["expires"] < self.clock.seconds():
            return None, problem(401, "Unauthorized", "TokenExpired: token expired")
        grant = self.grants.get(info["grant"])
        if not grant or grant.revoked:
            return None, problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        return grant, None

    def connections_endpoint(self, method: str, path: str, headers: dict,
                             query: dict) -> tuple[int, object, dict]:
        with self.lock:
            extra = {"X-AppMinLimit-Remaining": str(self.app_minute.remaining(
                self.clock.seconds()))}
            grant, refused = self._grant_for_bearer(headers)
            if refused:
                return refused["Status"], refused, extra
            if method == "DELETE":
                conn_id = path.rsplit("/", 1)[-1]
                for tenant_id, cid in list(grant.connection_ids.items()):
                    if cid == conn_id:
                        del grant.connection_ids[tenant_id]
                        grant.tenant_ids.remove(tenant_id)
                        return 204, None, extra
                return 404, problem(404, "Not Found", "Connection not found"), extra
            wanted = query.get("authEventId")
            if wanted and wanted != grant.auth_event_id:
                return 200, [], extra
            stamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000")
            out = [{"id": grant.connection_ids[t], "authEventId": grant.auth_event_id,
                    "tenantId": t, "tenantType": "ORGANISATION",
                    "tenantName": self.orgs[t].name, "createdDateUtc": stamp,
                    "updatedDateUtc": stamp} for t in grant.tenant_ids if t in self.orgs]
            return 200, out, extra
