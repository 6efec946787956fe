"""A fake Xero: identity (authorize, token, revocation), /connections and the Accounting API
endpoints NCC uses, as a real threaded HTTP server on loopback. `FakeXero(speed=60).start()`.

It follows ../shared/reference/xero.md: rotating refresh tokens with a 30-minute grace for the
previous one (identity.py); per-tenant limits (60 a minute, 5,000 a day, 5 in flight) and the app
limit (10,000 a minute) with Xero's headers and 429 replies; an Idempotency-Key remembered for 6
minutes (a concurrent repeat waits for the first); request bodies checked against the OpenAPI
spec when it is present (spec.py); faults injected on demand, in the order real services produce
them (faults.py). Resources live one per module: contacts, invoices, payments, credit_notes,
organisation (accounts, items, tax rates, tracking, organisation); bookkeeper.py is what a person
does in Xero itself (record a payment, enter an invoice). Its clock may run faster than real time.

A handler takes (fake, request: FakeRequest, org, match) and returns (status, body); it runs
under `fake.lock`; it may raise common.BadRequest. Add one with
`fake.route("PUT", r"/Things", handler, scope="accounting.things")`.
"""

from __future__ import annotations

import hashlib
import re
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from . import contacts, credit_notes, invoices, organisation, payments, spec
from .bookkeeper import BookkeeperMixin
from .clock import ScaledClock
from .common import BadRequest, envelope, parse_where, problem
from .faults import Fault, Window
from .http import API_PREFIX, serve
from .identity import Grant, IdentityMixin
from .organisation import Org

IDEMPOTENCY_SECONDS = 6 * 60
IDEMPOTENCY_KEY_MAX = 128

# Older names, kept for code that imported them from here.
_where, _envelope, _problem = parse_where, envelope, problem
__all__ = ["API_PREFIX", "FakeRequest", "FakeXero", "Fault", "Grant", "Org", "Window"]


@dataclass
class FakeRequest:
    method: str
    path: str  # relative to API prefix for the accounting API
    query: dict
    headers: dict
    body: object
    raw_body: bytes


class FakeXero(IdentityMixin, BookkeeperMixin):
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
                      "max_in_flight": 0, "idempotent_replays": 0}
        self.routes: list[tuple[str, re.Pattern, Callable, str]] = []
        self._install_routes()
        self._server = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self, host="127.0.0.1", port=0) -> FakeXero:
        self._server, _thread = serve(self, host, port)
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

    # -- organisations, faults -------------------------------------------------------------
    def add_org(self, name: str) -> Org:
        org = Org(tenant_id=str(uuid.uuid4()), name=name,
                  minute=Window(60, self.minute_limit), day=Window(86400, self.day_limit))
        organisation.seed(self, org)
        self.orgs[org.tenant_id] = org
        return org

    @property
    def org(self) -> Org:
        return next(iter(self.orgs.values()))

    def inject(self, kind: str, **kw) -> Fault:
        """Add a fault (see faults.py and xero/README.md), e.g.
        `inject("drop", method="PUT", path="/Payments", every=5)`."""
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
        for module in (contacts, invoices, payments, credit_notes, organisation):
            module.install(self)

    def _find_route(self, method, path):
        for m, pattern, handler, scope in self.routes:
            if m == method:
                match = pattern.match(path)
                if match:
                    return handler, match, scope
        return None, None, None

    # -- faults around a call --------------------------------------------------------------
    def run_with_fault(self, fault: Fault | None, apply: Callable[[Callable[[], None]], tuple]) -> tuple:
        """(status, body, headers, action) for a call whose effect is `apply()`, with the fault
        in the order a real service produces it: refused before any work (429, 5xx not
        applied, reply lost before the write), or late (the write applied at the END of a
        slow call), or applied and then the reply lost, reset or replaced by a 5xx."""
        try:
            return self._fault_order(fault, apply)
        finally:
            if fault:
                fault.done.set()

    def _fault_order(self, fault: Fault | None, apply: Callable[[Callable[[], None]], tuple]) -> tuple:
        if fault and fault.kind == "429":
            headers = {"X-Rate-Limit-Problem": fault.problem,
                       "Retry-After": str(fault.retry_after)}
            return 429, problem(429, "Too Many Requests",
                                f"Rate limit exceeded: {fault.problem}"), headers, None
        if fault and not fault.applied:
            if fault.status:
                return fault.status, _fault_body(fault.status), {}, None
            return None, None, {}, fault.kind if fault.kind != "drop_before" else "drop"
        def late():  # called by apply() just before the write (after claiming its key)
            if fault and fault.kind == "slow":
                threading.Event().wait(fault.delay)

        status, body, headers = apply(late)
        if fault and fault.status:
            return fault.status, _fault_body(fault.status), headers, None
        if fault and fault.kind in ("drop", "reset"):
            return status, body, headers, fault.kind
        return status, body, headers, None

    def identity_call(self, path: str, headers: dict, form: dict) -> tuple:
        fault = self.take_fault("POST", path)

        def apply(late):
            late()
            if path == "/connect/token":
                status, body = self.token_endpoint(headers, form)
            else:
                status, body = self.revoke_endpoint(headers, form)
            return status, body, {}

        status, body, extra, action = self.run_with_fault(fault, apply)
        if fault and fault.status and not fault.applied:
            body = {"error": "server_error"}
        return status, body, extra, action

    # -- accounting API --------------------------------------------------------------------
    def accounting(self, request: FakeRequest) -> tuple[int, object, dict, str | None]:
        """(status, body, headers, action) where action "drop"/"reset" tells the handler to
        lose the reply."""
        method, path = request.method, request.path
        now = self.clock.seconds()
        with self.lock:
            self.stats["api_calls"] += 1
            key = f"{method} {re.sub(r'/[0-9a-fA-F-]{36}', '/{id}', path)}"
            self.stats["calls_by_path"][key] = self.stats["calls_by_path"].get(key, 0) + 1
            if self.stats["first_call_at"] is None:
                self.stats["first_call_at"] = now
            grant, refused = self._grant_for_bearer(request.headers)
            if refused:
                return refused["Status"], refused, {}, None
            tenant_id = request.headers.get("xero-tenant-id", "")
            org = self.orgs.get(tenant_id)
            if not org or tenant_id not in grant.tenant_ids:
                return 403, problem(403, "Forbidden", "AuthenticationUnsuccessful"), {}, None
            handler, match, scope = self._find_route(method, path)
            if handler is None:
                return 404, problem(404, "Not Found", "The resource you're looking for "
                                    "cannot be found"), {}, None
            allowed = {scope, scope + ".read"} if method == "GET" else {scope}
            if scope == "accounting.settings" and method == "GET":
                allowed |= {"accounting.invoices", "accounting.invoices.read"}
            if not allowed & set(grant.scopes):
                return 403, problem(403, "Forbidden", "AuthenticationUnsuccessful"), {}, None
            limited = self._rate_limited(org, now)
            if limited:
                return limited
            fault = self._pick_fault(method, path)
            if fault and fault.kind == "429":
                self.stats["http_429"] += 1
            else:
                org.minute.take(now)
                org.day.take(now)
                self.app_minute.take(now)
            org.in_flight += 1
            self.stats["max_in_flight"] = max(self.stats["max_in_flight"], org.in_flight)
        try:
            status, body, headers, action = self.run_with_fault(
                fault, lambda late: self._execute(request, org, handler, match, late))
            headers = dict(self._rate_headers(org, self.clock.seconds()), **headers)
            return status, body, headers, action
        finally:
            with self.lock:
                org.in_flight -= 1

    def _rate_limited(self, org: Org, now: float):
        """A 429 reply when a limit is reached (a refused call does not count)."""
        kind, retry = None, None
        if org.day.remaining(now) <= 0:
            kind, retry = "day", org.day.retry_after(now)
        elif org.minute.remaining(now) <= 0:
            kind, retry = "minute", org.minute.retry_after(now)
        elif self.app_minute.remaining(now) <= 0:
            kind, retry = "appminute", self.app_minute.retry_after(now)
        elif org.in_flight >= self.concurrent_limit:
            kind = "concurrent"
        if kind is None:
            return None
        self.stats["http_429"] += 1
        headers = {"X-Rate-Limit-Problem": kind, **self._rate_headers(org, now)}
        if retry is not None:
            headers["Retry-After"] = str(retry)
        return 429, problem(429, "Too Many Requests", f"Rate limit exceeded: {kind}"), \
            headers, None

    def _rate_headers(self, org: Org, now: float) -> dict:
        return {"X-DayLimit-Remaining": str(org.day.remaining(now)),
                "X-MinLimit-Remaining": str(org.minute.remaining(now)),
                "X-AppMinLimit-Remaining": str(self.app_minute.remaining(now))}

    def _execute(self, request: FakeRequest, org: Org, handler, match,
                 late: Callable[[], None]) -> tuple[int, object, dict]:
        """Run the handler once per Idempotency-Key: a repeat within 6 minutes gets the first
        reply (errors included); a concurrent repeat waits for it; another body -> 400.
        `late()` runs just before the write, once its key is claimed (the slow fault)."""
        key = request.headers.get("idempotency-key") if request.method != "GET" else None
        if not key:
            late()
            return (*self._handle(request, org, handler, match), {})
        if len(key) > IDEMPOTENCY_KEY_MAX:
            return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                         "Message": "The Idempotency-Key must be 128 characters or less."}, {}
        digest = hashlib.sha256(request.raw_body).hexdigest()
        slot = (self.client_id, org.tenant_id, key)
        with self.lock:
            now = self.clock.seconds()
            for k, v in list(self.idempotency.items()):
                if v["expires"] < now and v["done"].is_set():
                    del self.idempotency[k]
            stored = self.idempotency.get(slot)
            first = stored is None
            if first:
                stored = self.idempotency[slot] = {
                    "digest": digest, "status": None, "body": None, "done": threading.Event(),
                    "expires": now + IDEMPOTENCY_SECONDS}
        if not first:
            if stored["digest"] != digest:
                return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                             "Message": "The Idempotency-Key was used with a different "
                             "request body."}, {}
            stored["done"].wait(120)
            with self.lock:
                self.stats["idempotent_replays"] += 1
            return stored["status"], stored["body"], {}
        try:
            late()
            stored["status"], stored["body"] = self._handle(request, org, handler, match)
        finally:
            if stored["status"] is None:
                stored["status"], stored["body"] = 500, _fault_body(500)
            stored["done"].set()
        return stored["status"], stored["body"], {}

    def _handle(self, request: FakeRequest, org: Org, handler, match) -> tuple[int, object]:
        if self.validate and request.method in ("PUT", "POST") and request.body is not None:
            problems = spec.validate_body(request.method, request.path, request.body)
            if problems:
                return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                             "Message": "The request body does not match Xero's schema: "
                             + "; ".join(problems)}
        with self.lock:
            try:
                return handler(self, request, org, match)
            except BadRequest as refused:
                return 400, refused.body
            except Exception:  # a bug in the fake: say so, as a 500 with the trace
                return 500, problem(500, "Internal Server Error",
                                    "Fake Xero bug: " + traceback.format_exc(limit=3)[-1500:])


def _fault_body(status: int) -> dict:
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
              504: "Gateway Timeout"}
    return problem(status, titles.get(status, "Error"), "Injected fault")
