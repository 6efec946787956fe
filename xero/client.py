"""The only code that speaks HTTP to Xero: identity (token, revocation), connections and the
Accounting API, with explicit timeouts, pacing by Xero's rate-limit headers, at most
XERO_MAX_IN_FLIGHT calls per organisation (across processes on PostgreSQL: OrgSlots), 429
Retry-After, backoff on 5xx, and a log row per call.

`XeroClient.request()` calls any Accounting endpoint; invoices and payments use it as contacts do.
Writes are never resent when their outcome is unknown (timeout, lost reply, 500): the caller gets
`XeroOutcomeUnknown` and settles it by looking the record up by our own number first.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone

from ncc.errors import DomainError

from .fake.clock import ScaledClock

API_PATH = "/api.xro/2.0"


# -- errors ------------------------------------------------------------------------------------
class XeroError(DomainError):
    code = "xero"
    http_status = 502


class XeroNotConnected(XeroError):
    code = "xero_not_connected"
    http_status = 409


class XeroReauthRequired(XeroError):
    code = "xero_reauth"
    http_status = 409


class XeroDayLimit(XeroError):
    """Xero's daily call limit for this organisation is used up; `retry_after` seconds."""

    code = "xero_day_limit"
    http_status = 429


class XeroUnavailable(XeroError):
    """Xero kept failing (5xx, timeouts, 429) after our retries; nothing was written."""

    code = "xero_unavailable"
    http_status = 503


class XeroOutcomeUnknown(XeroError):
    """A write went out and no usable reply came back: it may or may not have been applied."""

    code = "xero_outcome_unknown"
    http_status = 504


class XeroTokenRejected(XeroError):
    """401 with a token the caller supplied: refresh it (in the thread that may use the DB)."""

    code = "xero_token_rejected"
    http_status = 401


# -- settings and clock ------------------------------------------------------------------------
_clocks: dict[float, ScaledClock] = {}
_clocks_lock = threading.Lock()


def clock() -> ScaledClock:
    """Time as Xero's rate limits see it. XERO_CLOCK_SPEED > 1 only against the fake."""
    speed = float(getattr(settings, "XERO_CLOCK_SPEED", 1.0))
    with _clocks_lock:
        if speed not in _clocks:
            _clocks[speed] = ScaledClock(speed)
        return _clocks[speed]


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(float(settings.XERO_TIMEOUT_SECONDS),
                         connect=min(5.0, float(settings.XERO_TIMEOUT_SECONDS)))


# -- pacing ------------------------------------------------------------------------------------
class TenantPacer:
    """Per organisation: at most N calls in flight, the minute budget from X-MinLimit-Remaining,
    and a pause after a 429 (Retry-After). Shared by every thread of this process."""

    def __init__(self, concurrency: int, minute_limit: int):
        self.concurrency, self.minute_limit = concurrency, minute_limit
        self.cond = threading.Condition()
        self.in_flight = 0
        self.remaining = minute_limit  # our estimate of the minute budget left
        self.epoch = 0  # increases when we believe a new minute window began
        self.sends: deque[list] = deque(maxlen=minute_limit)
        self.blocked_until = 0.0
        self.day_blocked_until = 0.0

    def acquire(self, clk: ScaledClock) -> tuple[int, list]:
        """Wait for a slot; returns (epoch, stamp). `stamp[0]` is the send time until release
        sets it to the reply time: Xero opened its window somewhere in between, so counting a
        minute from the reply is never early, whatever the latency."""
        margin = float(getattr(settings, "XERO_PACING_MARGIN_SECONDS", 0.5))
        with self.cond:
            while True:
                now = clk.seconds()
                if self.day_blocked_until > now:
                    raise XeroDayLimit(_day_limit_words(self.day_blocked_until - now),
                                       retry_after=self.day_blocked_until - now)
                wait = 0.0
                blocked = max(self.blocked_until, _app_blocked_until.get(id(clk), 0.0))
                if blocked > now:
                    wait = blocked - now
                elif self.remaining <= 0:
                    # Fixed windows: the window that holds our last `limit` sends opened with
                    # the oldest of them and closes a minute later.
                    reset_at = (self.sends[0][0] + 60 + margin) if self.sends else now
                    if reset_at > now:
                        wait = reset_at - now
                    else:
                        self.remaining, self.epoch = self.minute_limit, self.epoch + 1
                        continue
                elif self.in_flight >= self.concurrency:
                    self.cond.wait(timeout=1.0)
                    continue
                if wait > 0:
                    self.cond.wait(timeout=wait / clk.speed)
                    continue
                self.in_flight += 1
                self.remaining -= 1
                stamp = [now]
                self.sends.append(stamp)
                return self.epoch, stamp

    def release(self, clk: ScaledClock, epoch: int, stamp: list, rates: dict,
                status: int | None,
                retry_after: float | None) -> None:
        with self.cond:
            self.in_flight -= 1
            now = clk.seconds()
            stamp[0] = now
            margin = float(getattr(settings, "XERO_PACING_MARGIN_SECONDS", 0.5))
            if status == 429:
                problem = rates.get("problem")
                if problem == "day":
                    self.day_blocked_until = now + (retry_after or 3600)
                elif retry_after is not None:
                    self.blocked_until = max(self.blocked_until, now + retry_after + margin)
                    self.remaining, self.epoch = self.minute_limit, self.epoch + 1
                    self.sends.clear()
                else:  # concurrent: a short pause
                    self.blocked_until = max(self.blocked_until, now + 1.0)
            elif rates.get("min") is not None and epoch == self.epoch:
                self.remaining = min(self.remaining, rates["min"])
            if rates.get("app") is not None and rates["app"] <= 0:
                # The app-wide minute (all organisations) is used up: every tenant waits.
                _app_blocked_until[id(clk)] = max(_app_blocked_until.get(id(clk), 0.0),
                                                  now + 60 + margin)
            self.cond.notify_all()


_pacers: dict[str, TenantPacer] = {}
# Per clock (simulated seconds), shared by every organisation's pacer.
_app_blocked_until: dict[int, float] = {}
_pacers_lock = threading.Lock()


def pacer_for(tenant_id: str) -> TenantPacer:
    key = f"{tenant_id}:{settings.XERO_CLOCK_SPEED}"
    with _pacers_lock:
        if key not in _pacers:
            _pacers[key] = TenantPacer(int(settings.XERO_MAX_IN_FLIGHT),
                                       int(settings.XERO_MINUTE_LIMIT))
        return _pacers[key]


# -- calls in flight across processes ----------------------------------------------------------
class OrgSlots:
    """Xero allows 5 calls in flight per organisation, whichever process makes them (web,
    worker, scheduler). On PostgreSQL a call holds one of XERO_MAX_IN_FLIGHT session advisory
    locks keyed by the organisation, taken on a database connection of this process's own
    (autocommit, so no transaction of the caller is touched); a slot this process already holds
    is never tried again (advisory locks are re-entrant within a session). Locks die with the
    connection, so a crashed process frees its slots. On SQLite there is one process and the
    in-process pacer is the limit."""

    def __init__(self, tenant_id: str, slots: int):
        digest = hashlib.sha256(f"xero-in-flight:{tenant_id}".encode()).digest()
        self.key = int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
        self.slots = slots
        self.held: set[int] = set()
        self.lock = threading.Lock()
        self.conn = None

    def _connection(self):
        if self.conn is None or self.conn.closed:
            import psycopg
            from django.db import connection

            params = {k: v for k, v in connection.get_connection_params().items()
                      if k not in ("cursor_factory", "context")}
            self.conn = psycopg.connect(**params, autocommit=True)
        return self.conn

    def try_acquire(self) -> int | None:
        with self.lock:
            conn = self._connection()
            for slot in range(self.slots):
                if slot in self.held:
                    continue
                if conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                (self.key, slot)).fetchone()[0]:
                    self.held.add(slot)
                    return slot
        return None

    def acquire(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            slot = self.try_acquire()
            if slot is not None:
                return slot
            if time.monotonic() >= deadline:
                raise XeroUnavailable("Other NCC processes are using all of Xero's calls for "
                                      "this organisation; nothing was sent. Try again shortly.")
            time.sleep(0.02)  # another process holds every slot: poll, as Postgres cannot wait
            # on "any one of N" advisory locks

    def release(self, slot: int) -> None:
        with self.lock:
            self.held.discard(slot)
            if self.conn is not None and not self.conn.closed:
                self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", (self.key, slot))


_org_slots: dict[str, OrgSlots] = {}


def close_org_slots() -> None:
    """Close every organisation's slot connection (its locks die with it). Tests call this after
    each test: every test has an organisation of its own, and one kept connection each would
    exhaust PostgreSQL's max_connections over a run."""
    with _pacers_lock:
        for slots in _org_slots.values():
            if slots.conn is not None and not slots.conn.closed:
                slots.conn.close()
        _org_slots.clear()


def org_slots(tenant_id: str) -> OrgSlots | None:
    """The cross-process slots of an organisation, or None where one process is all there is."""
    from django.db import connection

    if connection.vendor != "postgresql" or not getattr(settings, "XERO_SHARED_IN_FLIGHT", True):
        return None
    with _pacers_lock:
        if tenant_id not in _org_slots:
            _org_slots[tenant_id] = OrgSlots(tenant_id, int(settings.XERO_MAX_IN_FLIGHT))
        return _org_slots[tenant_id]


def _day_limit_words(seconds: float) -> str:
    hours = max(1, round(seconds / 3600))
    return (f"Xero's daily limit of calls for this organisation is used up; syncing resumes in "
            f"about {hours} hour{'s' if hours != 1 else ''}.")


# -- call records ------------------------------------------------------------------------------
@dataclass
class CallRecord:
    method: str
    endpoint: str
    status: int | None = None
    duration_ms: int = 0
    min_remaining: int | None = None
    day_remaining: int | None = None
    app_min_remaining: int | None = None
    rate_problem: str = ""
    retry_after: int | None = None
    idempotency_key: str = ""
    error: str = ""
    created_at: object = field(default_factory=timezone.now)


def save_records(connection_id: int | None, records: list[CallRecord]) -> None:
    from .models import XeroApiCall

    XeroApiCall.objects.bulk_create([XeroApiCall(connection_id=connection_id, **r.__dict__)
                                     for r in records])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rates(headers) -> dict:
    return {"min": _int(headers.get("X-MinLimit-Remaining")),
            "day": _int(headers.get("X-DayLimit-Remaining")),
            "app": _int(headers.get("X-AppMinLimit-Remaining")),
            "problem": headers.get("X-Rate-Limit-Problem", "")}


def words_for_status(status: int, body, problem: str = "") -> str:
    """What a failed call means, for the settings page."""
    if status == 400:
        return "Xero refused the data we sent: " + validation_message(body)
    if status == 401:
        return "Xero did not accept our access token; we renew it and try again."
    if status == 403:
        return ("Xero refused access to this organisation: the connection may lack a permission "
                "or the organisation was disconnected. Reconnect Xero in Settings.")
    if status == 404:
        return "Xero could not find the record we asked for."
    if status == 429:
        if problem == "day":
            return "Xero's daily limit of calls was reached; syncing continues tomorrow."
        if problem == "concurrent":
            return "Too many calls to Xero at once; we slowed down and tried again."
        return "Xero's limit of 60 calls a minute was reached; we waited and tried again."
    if status >= 500:
        return f"Xero had a temporary problem (HTTP {status}); we tried again."
    return f"Xero answered with an unexpected HTTP {status}."


def validation_message(body) -> str:
    """The first human message in a Xero error body."""
    if isinstance(body, dict):
        for element in body.get("Elements") or []:
            for err in element.get("ValidationErrors") or []:
                if err.get("Message"):
                    return err["Message"]
        for key in ("Message", "Detail", "error_description", "error"):
            if body.get(key):
                return str(body[key])
    return "no reason was given."


# -- the client --------------------------------------------------------------------------------
@dataclass
class XeroResponse:
    status: int
    data: object
    headers: dict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def identity_url(path: str) -> str:
    return settings.XERO_IDENTITY_URL.rstrip("/") + path


def authorize_url(params: dict) -> str:
    return settings.XERO_LOGIN_URL.rstrip("/") + "/identity/connect/authorize?" + \
        urlencode(params)


class XeroClient:
    """One organisation's Accounting API.

    token_source(stale_token | None) -> access token. The default reads (and refreshes) the
    connection's token under a row lock; worker threads that must not touch the database pass a
    fixed token and get XeroTokenRejected on 401.
    log: a list to append CallRecords to (flushed by the caller), or None to save each call.
    """

    WRITE_METHODS = ("PUT", "POST")

    def __init__(self, connection, *, token_source: Callable | None = None,
                 log: list | None = None, http: httpx.Client | None = None):
        self.connection_id = connection.pk
        self.tenant_id = connection.tenant_id
        self.token_source = token_source or self._db_token
        self.log = log
        self.http = http or httpx.Client(timeout=_timeout())
        self.clock = clock()

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _db_token(self, stale: str | None = None) -> str:
        from . import oauth

        return oauth.access_token_for(self.connection_id, stale_token=stale)

    def _record(self, record: CallRecord) -> None:
        if self.log is not None:
            self.log.append(record)
        else:
            save_records(self.connection_id, [record])

    def request(self, method: str, path: str, *, params: dict | None = None, json=None,
                idempotency_key: str = "") -> XeroResponse:
        """Call METHOD /api.xro/2.0{path}. Returns 2xx and 4xx replies other than 401/403/429;
        raises XeroError subclasses for the rest (see module doc)."""
        method = method.upper()
        url = settings.XERO_API_URL.rstrip("/") + API_PATH + path
        endpoint = path + ("?" + urlencode(params) if params else "")
        is_write = method in self.WRITE_METHODS
        pacer = pacer_for(self.tenant_id)
        backoff = float(settings.XERO_BACKOFF_SECONDS)
        attempts, rate_waits, token_refreshed = 0, 0, False
        token = self.token_source(None)
        while True:
            headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": self.tenant_id,
                       "Accept": "application/json"}
            if idempotency_key and is_write:
                headers["Idempotency-Key"] = idempotency_key[:128]
            epoch, stamp = pacer.acquire(self.clock)
            shared, slot = org_slots(self.tenant_id), None
            if shared is not None:
                try:
                    slot = shared.acquire(float(getattr(settings, "XERO_SLOT_WAIT_SECONDS", 120)))
                except BaseException:
                    pacer.release(self.clock, epoch, stamp, {}, None, None)
                    raise
            record = CallRecord(method, endpoint[:255], idempotency_key=idempotency_key[:128])
            started = time.monotonic()
            status, rates, retry_after, reply = None, {}, None, None
            try:
                reply = self.http.request(method, url, params=params, json=json, headers=headers)
                status = reply.status_code
                rates = _rates(reply.headers)
                retry_after = _int(reply.headers.get("Retry-After"))
            except httpx.ConnectError as exc:
                record.error = "Could not reach Xero (connection failed); we tried again."
                sent = False
                failure = exc
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError,
                    httpx.WriteError) as exc:
                sent = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
                record.error = ("Xero did not answer in time." if isinstance(
                    exc, httpx.TimeoutException) else "The connection to Xero broke before "
                    "Xero answered.")
                failure = exc
            finally:
                record.duration_ms = int((time.monotonic() - started) * 1000)
                if slot is not None:
                    shared.release(slot)
                pacer.release(self.clock, epoch, stamp, rates, status, retry_after)
            if status is not None:
                record.status = status
                record.min_remaining, record.day_remaining = rates["min"], rates["day"]
                record.app_min_remaining, record.rate_problem = rates["app"], rates["problem"]
                record.retry_after = retry_after
                body = _json(reply)
                if status >= 400 and status != 404:
                    record.error = words_for_status(status, body, rates["problem"])
                self._record(record)
                if status == 401 and not token_refreshed:
                    token_refreshed = True
                    token = self.token_source(token)
                    continue
                if status == 401:
                    raise XeroReauthRequired("Xero no longer accepts our sign-in: an admin "
                                             "must reconnect Xero in Settings.")
                if status == 403:
                    raise XeroError(record.error, code="xero_forbidden")
                if status == 429:
                    if rates["problem"] == "day":
                        raise XeroDayLimit(_day_limit_words(retry_after or 3600),
                                           retry_after=retry_after or 3600)
                    rate_waits += 1
                    if rate_waits > int(settings.XERO_MAX_RATE_WAITS):
                        raise XeroUnavailable("Xero kept asking us to slow down; try again "
                                              "in a few minutes.")
                    continue  # the pacer now holds every thread until Retry-After has passed
                if status == 503 or (status >= 500 and not is_write):
                    attempts += 1
                    if attempts >= int(settings.XERO_MAX_ATTEMPTS):
                        raise XeroUnavailable("Xero is having problems right now; nothing was "
                                              "changed. Try again later.")
                    time.sleep(backoff * 2 ** (attempts - 1))
                    continue
                if status >= 500:
                    raise XeroOutcomeUnknown("Xero failed while saving; we check what it "
                                             "kept before sending again.")
                return XeroResponse(status, body, dict(reply.headers))
            self._record(record)
            if is_write and sent:
                raise XeroOutcomeUnknown("Xero did not confirm the change; we check what it "
                                         "kept before sending again.") from failure
            attempts += 1
            if attempts >= int(settings.XERO_MAX_ATTEMPTS):
                raise XeroUnavailable("Xero cannot be reached right now; nothing was changed. "
                                      "Try again later.") from failure
            time.sleep(backoff * 2 ** (attempts - 1))

    # -- connections (tenantless) ----------------------------------------------------------
    def connections(self, auth_event_id: str = "") -> list[dict]:
        return get_connections(self.token_source(None), auth_event_id,
                               connection_id=self.connection_id)


def _json(reply: httpx.Response):
    if not reply.content:
        return None
    try:
        return reply.json()
    except ValueError:
        return {"Message": reply.text[:500]}


def _identity_call(method: str, url: str, endpoint: str, connection_id: int | None,
                   **kw) -> tuple[int | None, object]:
    """One identity or connections call, logged; (status, body) or (None, None) when no reply."""
    record = CallRecord(method, endpoint)
    started = time.monotonic()
    try:
        with httpx.Client(timeout=_timeout()) as http:
            reply = http.request(method, url, **kw)
    except httpx.HTTPError:
        record.duration_ms = int((time.monotonic() - started) * 1000)
        record.error = "Xero's sign-in service did not answer."
        save_records(connection_id, [record])
        return None, None
    record.duration_ms = int((time.monotonic() - started) * 1000)
    record.status = reply.status_code
    record.app_min_remaining = _int(reply.headers.get("X-AppMinLimit-Remaining"))
    body = _json(reply)
    if reply.status_code >= 400:
        if isinstance(body, dict) and body.get("error") == "invalid_grant":
            record.error = "Xero no longer accepts our sign-in (invalid_grant): reconnect Xero."
        else:
            record.error = words_for_status(reply.status_code, body)
    save_records(connection_id, [record])
    return reply.status_code, body


def token_request(form: dict, connection_id: int | None = None) -> tuple[int | None, object]:
    """POST the token endpoint (code exchange or refresh) with HTTP Basic client auth."""
    return _identity_call("POST", identity_url("/connect/token"), "identity /connect/token "
                          f"({form.get('grant_type')})", connection_id, data=form,
                          auth=(settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET))


def revoke_token(refresh_token: str, connection_id: int | None = None) -> bool:
    status, _ = _identity_call("POST", identity_url("/connect/revocation"),
                               "identity /connect/revocation", connection_id,
                               data={"token": refresh_token},
                               auth=(settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET))
    return status == 200


def get_connections(access_token: str, auth_event_id: str = "",
                    connection_id: int | None = None) -> list[dict]:
    params = {"authEventId": auth_event_id} if auth_event_id else None
    status, body = _identity_call("GET", settings.XERO_API_URL.rstrip("/") + "/connections",
                                  "/connections", connection_id, params=params,
                                  headers={"Authorization": f"Bearer {access_token}",
                                           "Accept": "application/json"})
    if status != 200 or not isinstance(body, list):
        raise XeroError("Xero did not tell us which organisations you connected; try "
                        "connecting again.")
    return body


def delete_connection(access_token: str, xero_connection_id: str,
                      connection_id: int | None = None) -> bool:
    status, _ = _identity_call("DELETE", settings.XERO_API_URL.rstrip("/") +
                               f"/connections/{xero_connection_id}", "/connections/{id}",
                               connection_id, headers={"Authorization": f"Bearer {access_token}"})
    return status == 204
