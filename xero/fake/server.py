"""A fake Xero: identity (authorize, token, revocation), /connections and the Accounting API
endpoints we use, as a real threaded HTTP server on loopback.

It follows the protocol in ../shared/reference/xero.md: rotating refresh tokens with a 30-minute
grace period for the previous one, per-tenant limits (60 a minute, 5,000 a day, 5 in flight) and
the app limit (10,000 a minute) with Xero's headers and 429 replies, unique contact names among
active contacts, per-element results with summarizeErrors=false, an Idempotency-Key remembered
for 6 minutes only, request bodies checked against the OpenAPI spec when it is present, and
faults injected on demand. Its clock (`ScaledClock`) may run faster than real time.

Extending it (invoices and payments): add a collection to `Org` (e.g. `org.invoices = {}`) and
call `fake.route("PUT", r"/Invoices", handler, scope="accounting.invoices")`; a handler takes
(fake, request: FakeRequest, org, match) and returns (status, body_dict). Bodies are validated
against the spec for every route automatically.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from . import spec
from .clock import ScaledClock

API_PREFIX = "/api.xro/2.0"
GRACE_SECONDS = 30 * 60
ACCESS_SECONDS = 30 * 60
IDEMPOTENCY_SECONDS = 6 * 60
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BROAD_SCOPES = {"accounting.transactions", "accounting.transactions.read",
                "accounting.reports.read"}


def _jwt(payload: dict) -> str:
    """An unsigned JWT-shaped token: enough for clients that read claims, never verified."""
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}.{secrets.token_urlsafe(16)}"


@dataclass
class Fault:
    kind: str  # "429" | "500" | "503" | "slow" | "drop"
    method: str | None = None
    path: str | None = None  # substring of the path (e.g. "/Contacts")
    every: int | None = None  # every n-th matching request
    times: int | None = None  # the next n matching requests
    delay: float = 0.0  # real seconds, for "slow"
    seen: int = 0

    def fires(self, method: str, path: str, taken: bool) -> bool:
        """Whether this fault applies to the request; `taken`: an earlier fault already did
        (then only the every-n counter moves, so faults do not swallow each other's turns)."""
        if self.method and self.method != method:
            return False
        if self.path and self.path.lower() not in path.lower():
            return False
        self.seen += 1
        if taken:
            return False
        if self.every:
            return self.seen % self.every == 0
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
            return True
        return True


@dataclass
class Window:
    length: float
    limit: int
    started: float | None = None
    count: int = 0

    def roll(self, now: float) -> None:
        if self.started is None or now >= self.started + self.length:
            self.started, self.count = None, 0

    def remaining(self, now: float) -> int:
        self.roll(now)
        return self.limit - self.count

    def take(self, now: float) -> None:
        self.roll(now)
        if self.started is None:
            self.started = now
        self.count += 1

    def retry_after(self, now: float) -> int:
        return max(1, int(self.started + self.length - now + 0.999)) if self.started is not None \
            else 1


@dataclass
class Org:
    tenant_id: str
    name: str
    contacts: dict = field(default_factory=dict)  # ContactID -> contact dict
    # Indexes so that 10,000 contacts stay fast: lower-cased name -> ids; number -> id.
    names: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)
    items: list = field(default_factory=list)
    tax_rates: list = field(default_factory=list)
    tracking: list = field(default_factory=list)
    minute: Window = None
    day: Window = None
    in_flight: int = 0
    # Room for issue 6: invoices, payments, ...
    extra: dict = field(default_factory=dict)


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


@dataclass
class FakeRequest:
    method: str
    path: str  # relative to API prefix for the accounting API
    query: dict
    headers: dict
    body: object
    raw_body: bytes


class FakeXero:
    """Start with `.start()` (or as a context manager); `.url` is the base for all three hosts."""

    def __init__(self, *, client_id="ncc-test-client", client_secret="ncc-test-secret",
                 speed: float = 1.0, clock: ScaledClock | None = None, minute_limit=60,
                 day_limit=5000, concurrent_limit=5, app_minute_limit=10000,
                 granular_only=True, post_updates_by_contact_number=True, validate=True,
                 org_names=("Walk Easy Podiatry (Demo)",), user_email="owner@walkeasy.example"):
        self.client_id, self.client_secret = client_id, client_secret
        self.clock = clock or ScaledClock(speed)
        self.minute_limit, self.day_limit = minute_limit, day_limit
        self.concurrent_limit, self.app_minute_limit = concurrent_limit, app_minute_limit
        self.granular_only = granular_only
        self.post_updates_by_contact_number = post_updates_by_contact_number
        self.validate = validate and spec.available()
        self.user_email = user_email
        self.lock = threading.RLock()
        self.orgs: dict[str, Org] = {}
        for name in org_names:
            self.add_org(name)
        self.codes: dict[str, dict] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, dict] = {}
        self.app_minute = Window(60, app_minute_limit)
        self.idempotency: dict[tuple, dict] = {}
        self.faults: list[Fault] = []
        self.stats = {"api_calls": 0, "http_429": 0, "token_refreshes": 0, "dropped": 0,
                      "first_call_at": None, "last_reply_at": None, "calls_by_path": {},
                      "max_in_flight": 0}
        self.routes: list[tuple[str, re.Pattern, Callable, str]] = []
        self._install_routes()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self, host="127.0.0.1", port=0) -> FakeXero:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 64
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-xero",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start() if self._server is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self) -> dict:
        """The Django settings that point our client at this fake."""
        return {"XERO_CLIENT_ID": self.client_id, "XERO_CLIENT_SECRET": self.client_secret,
                "XERO_LOGIN_URL": self.url, "XERO_IDENTITY_URL": self.url,
                "XERO_API_URL": self.url}

    # -- test helpers ----------------------------------------------------------------------
    def add_org(self, name: str) -> Org:
        org = Org(tenant_id=str(uuid.uuid4()), name=name,
                  minute=Window(60, self.minute_limit), day=Window(86400, self.day_limit))
        _seed(org)
        self.orgs[org.tenant_id] = org
        return org

    @property
    def org(self) -> Org:
        return next(iter(self.orgs.values()))

    def inject(self, kind: str, **kw) -> Fault:
        fault = Fault(kind=kind, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            return self._pick_fault(method, path)

    def _pick_fault(self, method: str, path: str) -> Fault | None:
        chosen = None
        for f in self.faults:
            if f.fires(method, path, taken=chosen is not None):
                chosen = f
        return chosen

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def contacts(self, org: Org | None = None) -> list[dict]:
        with self.lock:
            return list((org or self.org).contacts.values())

    def add_contact(self, org: Org | None = None, **fields) -> dict:
        with self.lock:
            return self._save_contact(org or self.org, None, fields)

    def expire_access_tokens(self) -> None:
        with self.lock:
            for tok in self.access_tokens.values():
                tok["expires"] = self.clock.seconds() - 1

    def simulated_minutes(self) -> float:
        first, last = self.stats["first_call_at"], self.stats["last_reply_at"]
        return 0.0 if first is None else (last - first) / 60

    # -- routing ---------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Callable, scope: str) -> None:
        """Add an Accounting API endpoint; `pattern` is a regex on the path after /api.xro/2.0.
        `scope` is the base scope ("accounting.contacts"); GET also accepts its ".read"."""
        self.routes.append((method, re.compile(f"^{pattern}$", re.IGNORECASE), handler, scope))

    def _install_routes(self) -> None:
        self.route("GET", r"/Contacts", _get_contacts, "accounting.contacts")
        self.route("GET", r"/Contacts/(?P<key>[^/]+)", _get_contact, "accounting.contacts")
        self.route("POST", r"/Contacts", _write_contacts, "accounting.contacts")
        self.route("PUT", r"/Contacts", _write_contacts, "accounting.contacts")
        self.route("POST", r"/Contacts/(?P<key>[^/]+)", _write_contacts, "accounting.contacts")
        for name, attr in (("Accounts", "accounts"), ("Items", "items"),
                           ("TaxRates", "tax_rates"), ("TrackingCategories", "tracking")):
            self.route("GET", rf"/{name}", _lister(name, attr), "accounting.settings")

    # -- identity --------------------------------------------------------------------------
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
            return None, _problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        info = self.access_tokens.get(auth[7:])
        if not info:
            return None, _problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        if info["expires"] < self.clock.seconds():
            return None, _problem(401, "Unauthorized", "TokenExpired: token expired")
        grant = self.grants.get(info["grant"])
        if not grant or grant.revoked:
            return None, _problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        return grant, None

    def connections_endpoint(self, method: str, path: str, headers: dict,
                             query: dict) -> tuple[int, object, dict]:
        with self.lock:
            extra = {"X-AppMinLimit-Remaining": str(self.app_minute.remaining(
                self.clock.seconds()))}
            grant, problem = self._grant_for_bearer(headers)
            if problem:
                return problem["Status"], problem, extra
            if method == "DELETE":
                conn_id = path.rsplit("/", 1)[-1]
                for tenant_id, cid in list(grant.connection_ids.items()):
                    if cid == conn_id:
                        del grant.connection_ids[tenant_id]
                        grant.tenant_ids.remove(tenant_id)
                        return 204, None, extra
                return 404, _problem(404, "Not Found", "Connection not found"), extra
            wanted = query.get("authEventId")
            if wanted and wanted != grant.auth_event_id:
                return 200, [], extra
            stamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.0000000")
            out = [{"id": grant.connection_ids[t], "authEventId": grant.auth_event_id,
                    "tenantId": t, "tenantType": "ORGANISATION",
                    "tenantName": self.orgs[t].name, "createdDateUtc": stamp,
                    "updatedDateUtc": stamp} for t in grant.tenant_ids if t in self.orgs]
            return 200, out, extra

    # -- accounting API --------------------------------------------------------------------
    def accounting(self, request: FakeRequest) -> tuple[int, object, dict, str | None]:
        """(status, body, headers, fault) where fault "drop"/"slow:<s>" tells the handler."""
        method, path = request.method, request.path
        now = self.clock.seconds()
        with self.lock:
            self.stats["api_calls"] += 1
            key = f"{method} {re.sub(r'/[0-9a-fA-F-]{36}', '/{id}', path)}"
            self.stats["calls_by_path"][key] = self.stats["calls_by_path"].get(key, 0) + 1
            if self.stats["first_call_at"] is None:
                self.stats["first_call_at"] = now
            grant, problem = self._grant_for_bearer(request.headers)
            if problem:
                return problem["Status"], problem, {}, None
            tenant_id = request.headers.get("xero-tenant-id", "")
            org = self.orgs.get(tenant_id)
            if not org or tenant_id not in grant.tenant_ids:
                return 403, _problem(403, "Forbidden", "AuthenticationUnsuccessful"), {}, None
            handler, match, scope = self._find_route(method, path)
            if handler is None:
                return 404, _problem(404, "Not Found", "The resource you're looking for "
                                     "cannot be found"), {}, None
            allowed = {scope, scope + ".read"} if method == "GET" else {scope}
            if scope == "accounting.settings" and method == "GET":
                allowed |= {"accounting.invoices", "accounting.invoices.read"}
            if not allowed & set(grant.scopes):
                return 403, _problem(403, "Forbidden", "AuthenticationUnsuccessful"), {}, None
            # Rate limits: a refused call does not count against the windows.
            problem_kind = None
            if org.day.remaining(now) <= 0:
                problem_kind, retry = "day", org.day.retry_after(now)
            elif org.minute.remaining(now) <= 0:
                problem_kind, retry = "minute", org.minute.retry_after(now)
            elif self.app_minute.remaining(now) <= 0:
                problem_kind, retry = "appminute", self.app_minute.retry_after(now)
            elif org.in_flight >= self.concurrent_limit:
                problem_kind, retry = "concurrent", None
            fault = self._pick_fault(method, path)
            if problem_kind is None and fault and fault.kind == "429":
                problem_kind, retry = "minute", 1
            if problem_kind:
                self.stats["http_429"] += 1
                headers = {"X-Rate-Limit-Problem": problem_kind}
                if retry is not None:
                    headers["Retry-After"] = str(retry)
                headers.update(self._rate_headers(org, now))
                return 429, _problem(429, "Too Many Requests",
                                     f"Rate limit exceeded: {problem_kind}"), headers, None
            org.minute.take(now)
            org.day.take(now)
            self.app_minute.take(now)
            org.in_flight += 1
            self.stats["max_in_flight"] = max(self.stats["max_in_flight"], org.in_flight)
        try:
            if fault and fault.kind in ("500", "503"):
                status = int(fault.kind)
                return status, _problem(status, "Service Unavailable" if status == 503 else
                                        "Internal Server Error", "Injected fault"), \
                    self._rate_headers(org, now), None
            slow = f"slow:{fault.delay}" if fault and fault.kind == "slow" else None
            if self.validate and method in ("PUT", "POST") and request.body is not None:
                problems = spec.validate_body(method, path, request.body)
                if problems:
                    return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                                 "Message": "The request body does not match Xero's schema: "
                                 + "; ".join(problems)}, self._rate_headers(org, now), slow
            status, body = self._idempotent(request, org, handler, match)
            drop = "drop" if fault and fault.kind == "drop" else None
            return status, body, self._rate_headers(org, self.clock.seconds()), drop or slow
        finally:
            with self.lock:
                org.in_flight -= 1

    def _find_route(self, method, path):
        for m, pattern, handler, scope in self.routes:
            if m == method:
                match = pattern.match(path)
                if match:
                    return handler, match, scope
        return None, None, None

    def _rate_headers(self, org: Org, now: float) -> dict:
        return {"X-DayLimit-Remaining": str(org.day.remaining(now)),
                "X-MinLimit-Remaining": str(org.minute.remaining(now)),
                "X-AppMinLimit-Remaining": str(self.app_minute.remaining(now))}

    def _idempotent(self, request: FakeRequest, org: Org, handler, match):
        key = request.headers.get("idempotency-key")
        if request.method == "GET" or not key:
            with self.lock:
                return handler(self, request, org, match)
        with self.lock:
            now = self.clock.seconds()
            for k, v in list(self.idempotency.items()):
                if v["expires"] < now:
                    del self.idempotency[k]
            digest = hashlib.sha256(request.raw_body).hexdigest()
            slot = (self.client_id, org.tenant_id, key)
            stored = self.idempotency.get(slot)
            if stored:
                if stored["digest"] != digest:
                    return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                                 "Message": "The Idempotency-Key was used with a different "
                                 "request body."}
                return stored["status"], stored["body"]
            status, body = handler(self, request, org, match)
            self.idempotency[slot] = {"digest": digest, "status": status, "body": body,
                                      "expires": now + IDEMPOTENCY_SECONDS}
            return status, body

    # -- contacts --------------------------------------------------------------------------
    def _contact_errors(self, org: Org, contact_id: str | None, data: dict) -> list[str]:
        errors = []
        name = (data.get("Name") or "").strip()
        if not name:
            errors.append("The contact name must be provided.")
        elif len(name) > 255:
            errors.append("The contact name must be 255 characters or less.")
        else:
            for other_id in org.names.get(name.lower(), ()):
                if other_id != contact_id and \
                        org.contacts[other_id]["ContactStatus"] == "ACTIVE":
                    errors.append(f"The contact name {name} is already assigned to another "
                                  "contact. The contact name must be unique across all active "
                                  "contacts.")
                    break
        email = data.get("EmailAddress")
        if email and not EMAIL_RE.match(email):
            errors.append("Email address must be valid.")
        return errors

    def _save_contact(self, org: Org, existing: dict | None, data: dict) -> dict:
        contact = dict(existing) if existing else {
            "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE", "IsSupplier": False,
            "IsCustomer": False, "Addresses": [], "Phones": [], "ContactGroups": [],
            "ContactPersons": [], "HasAttachments": False}
        for k, v in data.items():
            if k not in ("ContactID", "IsSupplier", "IsCustomer", "UpdatedDateUTC",
                         "StatusAttributeString", "ValidationErrors", "HasValidationErrors"):
                contact[k] = v
        contact["UpdatedDateUTC"] = _ms_date(self.clock)
        contact["HasValidationErrors"] = False
        cid = contact["ContactID"]
        if existing:
            org.names.get(existing.get("Name", "").lower(), set()).discard(cid)
            if org.numbers.get(existing.get("ContactNumber")) == cid:
                del org.numbers[existing["ContactNumber"]]
        org.names.setdefault(contact.get("Name", "").lower(), set()).add(cid)
        if contact.get("ContactNumber"):
            org.numbers.setdefault(contact["ContactNumber"], cid)
        org.contacts[cid] = contact
        return contact

    def _find_contact(self, org: Org, key: str) -> dict | None:
        found = org.contacts.get(key)
        if found:
            return found
        cid = org.numbers.get(key)
        return org.contacts.get(cid) if cid else None


# -- handlers ----------------------------------------------------------------------------------
def _envelope(fake: FakeXero, plural: str, items: list, pagination: dict | None = None) -> dict:
    out = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "Nexus Core Clinic",
           "DateTimeUTC": _ms_date(fake.clock, offset=False), plural: items}
    if pagination:
        out["pagination"] = pagination
    return out


def _problem(status: int, title: str, detail: str) -> dict:
    return {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": str(uuid.uuid4()), "Extensions": {}}


def _ms_date(clock: ScaledClock, offset=True) -> str:
    ms = int(clock.now().timestamp() * 1000)
    return f"/Date({ms}+0000)/" if offset else f"/Date({ms})/"


_CLAUSE = re.compile(r'\s*([A-Za-z.]+)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*'
                     r'(?:(AND|OR)(?=\s)|$)')


def _where(expr: str | None) -> Callable[[dict], bool] | None:
    """Xero's `where` for the forms we use: Field=="x" (or !=, or true/false) joined by AND /
    OR without brackets; AND binds tighter. Quoted strings may hold AND, OR and escapes."""
    if not expr:
        return lambda _item: True
    alternatives, clauses, pos = [], [], 0
    while pos < len(expr):
        m = _CLAUSE.match(expr, pos)
        if not m:
            return None
        fld, op, text, boolean, joiner = m.groups()
        value = (boolean == "true") if boolean else re.sub(r"\\(.)", r"\1", text)
        clauses.append((fld, op, value))
        if joiner != "AND":
            alternatives.append(clauses)
            clauses = []
        pos = m.end()
    if clauses or not alternatives:
        return None

    def get(item, dotted):
        for piece in dotted.split("."):
            item = item.get(piece) if isinstance(item, dict) else None
        return item

    def test(item):
        return any(all((get(item, f) == v) == (op == "==") for f, op, v in clauses)
                   for clauses in alternatives)

    return test


def _bad_where():
    return 400, {"ErrorNumber": 16, "Type": "QueryParseException",
                 "Message": "The where clause could not be parsed."}


def _get_contacts(fake, request, org, match):
    test = _where(request.query.get("where"))
    if test is None:
        return _bad_where()
    include_archived = request.query.get("includeArchived", "false").lower() == "true"
    ids = {i for i in request.query.get("IDs", "").split(",") if i}
    items = [c for c in org.contacts.values()
             if (include_archived or c["ContactStatus"] == "ACTIVE")
             and (not ids or c["ContactID"] in ids) and test(c)]
    term = request.query.get("searchTerm", "").lower()
    if term:
        items = [c for c in items if any(term in (c.get(f) or "").lower() for f in
                                         ("Name", "FirstName", "LastName", "ContactNumber",
                                          "EmailAddress"))]
    pagination = None
    if "page" in request.query:
        page = max(1, int(request.query["page"]))
        size = min(1000, int(request.query.get("pageSize", 100)))
        count = len(items)
        items = items[(page - 1) * size: page * size]
        pagination = {"page": page, "pageSize": size, "pageCount": -(-count // size),
                      "itemCount": count}
    return 200, _envelope(fake, "Contacts", items, pagination)


def _get_contact(fake, request, org, match):
    contact = fake._find_contact(org, match["key"])
    if not contact:
        return 404, _problem(404, "Not Found", "The resource you're looking for cannot be found")
    return 200, _envelope(fake, "Contacts", [contact])


def _write_contacts(fake, request, org, match):
    body = request.body if isinstance(request.body, dict) else {}
    elements = body.get("Contacts")
    if not isinstance(elements, list):
        return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                     "Message": "The request body must hold a Contacts array."}
    summarize = request.query.get("summarizeErrors", "true").lower() != "false"
    results, failures = [], []
    for data in elements:
        if not isinstance(data, dict):
            data = {}
        existing = None
        if match and match.groupdict().get("key"):
            existing = fake._find_contact(org, match["key"])
            if existing is None:
                failures.append(dict(data, ValidationErrors=[{"Message": "Contact not found."}]))
                continue
        elif data.get("ContactID"):
            existing = org.contacts.get(data["ContactID"])
            if existing is None or request.method == "PUT":
                results.append(dict(data, StatusAttributeString="ERROR", HasValidationErrors=True,
                                    ValidationErrors=[{"Message": "The contact ID is not valid."}]))
                failures.append(results[-1])
                continue
        elif data.get("ContactNumber"):
            same_number = org.contacts.get(org.numbers.get(data["ContactNumber"], ""))
            if same_number and request.method == "POST" and fake.post_updates_by_contact_number:
                existing = same_number
            elif same_number and request.method == "PUT":
                results.append(dict(data, StatusAttributeString="ERROR",
                                    HasValidationErrors=True, ValidationErrors=[{
                                        "Message": "The contact number is already assigned "
                                        "to another contact."}]))
                failures.append(results[-1])
                continue
        merged = dict(existing or {}, **data)
        errors = fake._contact_errors(org, existing and existing["ContactID"], merged)
        if errors:
            results.append(dict(data, StatusAttributeString="ERROR", HasValidationErrors=True,
                                ValidationErrors=[{"Message": m} for m in errors]))
            failures.append(results[-1])
            continue
        saved = fake._save_contact(org, existing, data)
        results.append(dict(saved, StatusAttributeString="OK"))
    if summarize and failures:
        return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                     "Message": "A validation exception occurred", "Elements": failures}
    return 200, _envelope(fake, "Contacts", results)


def _lister(plural: str, attr: str):
    def handler(fake, request, org, match):
        test = _where(request.query.get("where"))
        if test is None:
            return _bad_where()
        return 200, _envelope(fake, plural, [x for x in getattr(org, attr) if test(x)])
    return handler


def _seed(org: Org) -> None:
    """A small Australian chart of accounts, items, GST rates and a Location category."""
    def acct(code, name, type_, tax, cls, bank=False):
        return {"AccountID": str(uuid.uuid4()), "Code": code, "Name": name, "Type": type_,
                "TaxType": tax, "Status": "ACTIVE", "Class": cls,
                "EnablePaymentsToAccount": bank, "SystemAccount": ""}

    org.accounts = [
        acct("090", "Business Bank Account", "BANK", "BASEXCLUDED", "ASSET", True),
        acct("200", "Sales", "REVENUE", "OUTPUT", "REVENUE"),
        acct("210", "Consultation Fees (GST free)", "REVENUE", "EXEMPTOUTPUT", "REVENUE"),
        acct("260", "Other Revenue", "REVENUE", "OUTPUT", "REVENUE"),
        acct("400", "Advertising", "EXPENSE", "INPUT", "EXPENSE"),
        acct("429", "General Expenses", "EXPENSE", "INPUT", "EXPENSE"),
    ]

    def item(code, name, price, account, tax):
        return {"ItemID": str(uuid.uuid4()), "Code": code, "Name": name, "IsSold": True,
                "IsPurchased": False, "Description": name, "IsTrackedAsInventory": False,
                "SalesDetails": {"UnitPrice": price, "AccountCode": account, "TaxType": tax}}

    org.items = [
        item("POD-INIT", "Initial podiatry consultation", 110.0, "210", "EXEMPTOUTPUT"),
        item("POD-REV", "Review consultation", 75.0, "210", "EXEMPTOUTPUT"),
        item("ORTHO", "Custom orthotics", 550.0, "200", "OUTPUT"),
    ]

    def rate(name, tax_type, pct):
        return {"Name": name, "TaxType": tax_type, "Status": "ACTIVE", "EffectiveRate": pct,
                "DisplayTaxRate": pct, "CanApplyToRevenue": tax_type != "INPUT",
                "ReportTaxType": "OUTPUT" if tax_type != "INPUT" else "INPUT"}

    org.tax_rates = [rate("GST on Income", "OUTPUT", 10.0),
                     rate("GST Free Income", "EXEMPTOUTPUT", 0.0),
                     rate("BAS Excluded", "BASEXCLUDED", 0.0),
                     rate("GST on Expenses", "INPUT", 10.0)]
    org.tracking = [{
        "TrackingCategoryID": str(uuid.uuid4()), "Name": "Location", "Status": "ACTIVE",
        "Options": [{"TrackingOptionID": str(uuid.uuid4()), "Name": n, "Status": "ACTIVE"}
                    for n in ("Sydney CBD", "Brisbane", "Parramatta")]}]


# -- HTTP --------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    fake: FakeXero
    protocol_version = "HTTP/1.1"
    server_version = "FakeXero/1.0"

    def log_message(self, format, *args):  # noqa: A002 - quiet in tests
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as two writes: without NODELAY, Nagle plus the client's
        # delayed ACK would add ~40 ms to every reply.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body=None, headers: dict | None = None,
              content_type="application/json; charset=utf-8") -> None:
        if isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = b""
        try:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if payload or status not in (204, 302):
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _dispatch(self):
        fake = self.fake
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self._read()
        path = split.path
        if path == "/identity/connect/authorize" and self.command == "GET":
            status, page, redirect = fake.authorize_decision(query)
            if redirect:
                return self._send(302, None, {"Location": redirect})
            return self._send(status, page, content_type="text/html; charset=utf-8")
        if path in ("/connect/token", "/connect/revocation") and self.command == "POST":
            form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            fault = fake.take_fault("POST", path)
            if fault and fault.kind in ("500", "503"):
                return self._send(int(fault.kind), {"error": "server_error"})
            if path == "/connect/token":
                status, body = fake.token_endpoint(headers, form)
            else:
                status, body = fake.revoke_endpoint(headers, form)
            if fault and fault.kind == "slow":
                threading.Event().wait(fault.delay)
            if fault and fault.kind == "drop":
                self.close_connection = True
                return None
            return self._send(status, body)
        if path.lower().startswith("/connections"):
            status, body, extra = fake.connections_endpoint(self.command, path, headers, query)
            return self._send(status, body, extra)
        if path.startswith(API_PREFIX + "/"):
            if "application/json" not in headers.get("accept", ""):
                return self._send(406, {"Message": "This fake only answers JSON: send "
                                                   "Accept: application/json."})
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return self._send(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                                        "Message": "The request body is not valid JSON."})
            request = FakeRequest(self.command, path[len(API_PREFIX):], query, headers, body, raw)
            status, body, extra, fault = fake.accounting(request)
            if fault and fault.startswith("slow:"):
                threading.Event().wait(float(fault[5:]))
            if fault == "drop":
                with fake.lock:
                    fake.stats["dropped"] += 1
                self.close_connection = True
                return None
            with fake.lock:
                fake.stats["last_reply_at"] = fake.clock.seconds()
            return self._send(status, body, extra)
        return self._send(404, _problem(404, "Not Found", "No such endpoint on the fake Xero."))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()
