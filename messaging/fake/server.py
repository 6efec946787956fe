"""A fake SMS Broadcast: real HTTP on loopback, the same plain-text replies as api-adv.php
(`OK:<614…>:<smsref>`, `BAD:<number>:<reason>`, `ERROR:<reason>`, `OK: <credits>` for
action=balance), delivery receipts and inbound replies sent to our callbacks by HTTP GET, and the
faults a real gateway behind a proxy produces, in the order it produces them.

It is never kinder than SMS Broadcast: `ref` at most 20 characters, a sender of at most 11 letters
and digits (no spaces, no punctuation) or blank, a message, a recipient, `maxsplit` 1 to 5, the
credentials. `messages` is the record of what the gateway took: the number of copies a patient
gets is the number of entries with that `ref`, and that is what tests count.

Faults are queued with `fail_next(kind, times)` (or drawn at random with `fault_rates`) and
consumed one per send request, never by action=balance. In the order the real service goes:
  "500", "503", "429"  answered at once, nothing recorded (429 carries Retry-After);
  "drop_before"        the body is read, then the connection is reset: nothing recorded;
  "reset_after"        the body is read, the message recorded, then the connection is reset;
  "502", "504"         the message is recorded, then a proxy's Bad Gateway / Gateway Timeout;
  "slow"               the reply waits until the client gives up (hangs up) or `slow_seconds`
                       pass; only then is the message recorded and the (late) reply written;
  "bad"                `BAD:<number>:<reason>`;  "error"  `ERROR:<reason>`.
("drop" and "timeout" are the older names of "drop_before" and "slow".)
Connection refused before anything is sent: `closed_url()`, a port on which nothing listens.
"""

import contextlib
import itertools
import json
import random
import re
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx

from ..segments import count as count_segments

AU_MOBILE = re.compile(r"^(?:614|04|4)\d{8}$")
SENDER = re.compile(r"^[A-Za-z0-9]*$")
REF_MAX = 20
SENDER_MAX = 11
ALIASES = {"drop": "drop_before", "timeout": "slow"}
FAULTS = {"500", "503", "429", "drop_before", "reset_after", "502", "504", "slow", "bad",
          "error"}
ANSWERED_AT_ONCE = {"500": "Internal Server Error", "503": "Service Unavailable",
                    "429": "Too Many Requests"}
PROXY_ANSWERS = {"502": "Bad Gateway", "504": "Gateway Timeout"}


@dataclass
class FakeMessage:
    to: str
    sender: str
    body: str
    ref: str
    smsref: str
    maxsplit: int
    segments: int
    receipts: list[str] = field(default_factory=list)


def _intl(number: str) -> str:
    if number.startswith("04"):
        return "61" + number[1:]
    if number.startswith("4"):
        return "61" + number
    return number


class FakeSMSBroadcast:
    def __init__(self, *, username="ncc-test", password="s3cret-test", balance=5000,
                 receipt_url="", inbound_url="", auto_receipt=False, host="127.0.0.1", port=0,
                 slow_seconds=30.0, retry_after_seconds=1, fault_rates=None, seed=None):
        self.username, self.password = username, password
        self.balance = balance
        self.receipt_url, self.inbound_url = receipt_url, inbound_url
        self.auto_receipt = auto_receipt
        self.slow_seconds = slow_seconds  # the longest a "slow" reply waits for a hang-up
        self.retry_after_seconds = retry_after_seconds
        # {"reset_after": 0.2, "slow": 0.1}: each send request draws one fault at these odds
        # once the queued faults are used up (for benchmarks and the demo).
        self.fault_rates = {ALIASES.get(k, k): v for k, v in (fault_rates or {}).items()}
        if unknown := set(self.fault_rates) - FAULTS:
            raise ValueError(f"unknown fault {sorted(unknown)}; one of {sorted(FAULTS)}")
        self._random = random.Random(seed)
        self.faults_used: list[str] = []
        self.messages: list[FakeMessage] = []
        self.requests = 0
        self.paths: list[str] = []  # request lines as received (to check no secret is in a URL)
        self.faults: list[str] = []
        self.bad_reason = "Invalid Number"
        self.error_reason = "Username or password is incorrect"
        self._ids = itertools.count(2942263)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._receipt_threads: list[threading.Thread] = []

    # lifecycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api-adv.php"

    def start(self) -> "FakeSMSBroadcast":
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True,
                                        name="fake-smsbroadcast")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for t in self._receipt_threads:
            t.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def closed_url() -> str:
        """A loopback URL on which nothing listens: connecting is refused."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}/api-adv.php"

    # control -----------------------------------------------------------------------------------
    def fail_next(self, kind: str, times: int = 1) -> None:
        kind = ALIASES.get(kind, kind)
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULTS)}")
        with self._lock:
            self.faults.extend([kind] * times)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no send request is being handled: a "slow" write is recorded only after
        the client gave up, so count copies after this."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError("the fake SMS Broadcast is still handling a request")

    def copies(self, ref: str) -> int:
        """How many times the gateway took the message with our `ref` (what the patient gets)."""
        with self._lock:
            return sum(1 for m in self.messages if m.ref == ref)

    def _take_fault(self, params: dict[str, str]) -> str:
        if params.get("action") == "balance":
            return ""
        with self._lock:
            if self.faults:
                fault = self.faults.pop(0)
            else:
                fault, roll = "", self._random.random()
                for kind, rate in self.fault_rates.items():
                    if roll < rate:
                        fault = kind
                        break
                    roll -= rate
            if fault:
                self.faults_used.append(fault)
            return fault

    def find(self, *, ref: str = "", to: str = "") -> FakeMessage | None:
        for m in reversed(self.messages):
            if (ref and m.ref == ref) or (to and m.to == _intl(to.lstrip("+"))):
                return m
        return None

    def send_receipt(self, message: FakeMessage, status: str = "Delivered") -> int:
        """GET our receipt callback like SMS Broadcast does; returns our HTTP status."""
        params = {"to": message.to, "ref": message.ref, "smsref": message.smsref,
                  "status": status}
        response = httpx.get(self.receipt_url, params=params, timeout=10)
        message.receipts.append(status)
        return response.status_code

    def reply(self, from_number: str, text: str, *, ref: str = "", to: str = "") -> int:
        """A patient texts back: GET our inbound callback; returns our HTTP status."""
        params = {"to": to or "61400000000", "from": _intl(from_number.lstrip("+")),
                  "message": text}
        if ref:
            params["ref"] = ref
        response = httpx.get(self.inbound_url, params=params, timeout=10)
        return response.status_code

    # protocol ----------------------------------------------------------------------------------
    def handle_api(self, params: dict[str, str], fault: str = "") -> tuple[int, str]:
        """Validate and, when valid, record: -> (HTTP status, body). Faults that act on the
        connection (drop, reset, slow, 5xx) are applied by the handler around this call."""
        with self._lock:
            self.requests += 1
        if params.get("username") != self.username or params.get("password") != self.password:
            return 200, "ERROR: Username or password is incorrect"
        if params.get("action") == "balance":
            return 200, f"OK: {self.balance}"
        if fault == "error":
            return 200, f"ERROR: {self.error_reason}"
        problem = self._refusal(params)
        if problem:
            return 200, f"ERROR: {problem}"
        sender, body, ref = params.get("from", ""), params["message"], params.get("ref", "")
        maxsplit = int(params.get("maxsplit") or 1)
        parts = count_segments(body).segments
        lines, accepted = [], []
        for raw in params["to"].split(","):
            raw = raw.strip()
            if fault == "bad":
                lines.append(f"BAD:{raw}:{self.bad_reason}")
                continue
            if not AU_MOBILE.match(raw):
                lines.append(f"BAD:{raw}:Invalid Number")
                continue
            if parts > maxsplit:
                lines.append(f"BAD:{_intl(raw)}:Message is longer than maxsplit allows")
                continue
            with self._lock:
                message = FakeMessage(to=_intl(raw), sender=sender, body=body, ref=ref,
                                      smsref=str(next(self._ids)), maxsplit=maxsplit,
                                      segments=parts)
                self.messages.append(message)
                self.balance -= parts
            accepted.append(message)
            lines.append(f"OK: {message.to}:{message.smsref}")
        if self.auto_receipt and self.receipt_url:
            for message in accepted:
                t = threading.Thread(target=self._auto_receipt, args=(message,), daemon=True)
                self._receipt_threads.append(t)
                t.start()
        return 200, "\n".join(lines)

    @staticmethod
    def _refusal(params: dict[str, str]) -> str:
        """SMS Broadcast's request-level refusals (the sender text is documented; the others are
        worded by us: SMS Broadcast's exact wording is not published)."""
        sender = params.get("from", "")
        if len(sender) > SENDER_MAX:
            return "The sender cannot be longer than 11 characters."
        if not SENDER.match(sender):
            return "The sender can only contain letters and numbers."
        if not params.get("message"):
            return "No message was supplied."
        if not params.get("to"):
            return "No recipients were supplied."
        if len(params.get("ref", "")) > REF_MAX:
            return "The reference cannot be longer than 20 characters."
        raw = params.get("maxsplit") or "1"
        if not raw.isdigit() or not 1 <= int(raw) <= 5:
            return "maxsplit must be a number from 1 to 5."
        delay = params.get("delay", "")
        if delay and not delay.isdigit():
            return "delay must be a whole number of minutes."
        return ""

    def _auto_receipt(self, message: FakeMessage) -> None:
        # The app may be gone (end of a test); a real gateway would retry or give up.
        with contextlib.suppress(httpx.HTTPError):
            self.send_receipt(message, "Delivered")

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One buffered write per response and no Nagle delay: otherwise headers and body go
            # out as two segments and the client's delayed ACK adds ~40 ms to every request.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def _params(self) -> dict[str, str]:
                query = urlparse(self.path).query
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                merged = parse_qs(query, keep_blank_values=True)
                merged.update(parse_qs(body, keep_blank_values=True))
                return {k: v[-1] for k, v in merged.items()}

            def _answer(self, status: int, text: str, content_type="text/plain",
                        headers=None) -> None:
                data = text.encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reset(self) -> None:
                """Abort the connection with a TCP reset, no reply (what a crashed proxy does)."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()

            def _wait_for_hang_up(self, seconds: float) -> None:
                """Hold the reply until the client closes the connection (it timed out) or
                `seconds` pass: a late reply without a fixed sleep."""
                deadline = time.monotonic() + seconds
                while (left := deadline - time.monotonic()) > 0:
                    readable, _, _ = select.select([self.connection], [], [], min(left, 0.5))
                    if readable:
                        with contextlib.suppress(OSError):
                            if self.connection.recv(1, socket.MSG_PEEK):
                                continue  # unexpected bytes: keep waiting for the hang-up
                        return

            def _api(self, params: dict[str, str]) -> None:
                with fake._idle:
                    fake._in_flight += 1
                try:
                    self._api_with_faults(params)
                finally:
                    with fake._idle:
                        fake._in_flight -= 1
                        fake._idle.notify_all()

            def _api_with_faults(self, params: dict[str, str]) -> None:
                fault = fake._take_fault(params)
                if fault in ANSWERED_AT_ONCE:
                    with fake._lock:
                        fake.requests += 1
                    headers = {"Retry-After": str(fake.retry_after_seconds)} \
                        if fault == "429" else {}
                    self._answer(int(fault), ANSWERED_AT_ONCE[fault], headers=headers)
                    return
                if fault == "drop_before":
                    with fake._lock:
                        fake.requests += 1
                    self._reset()
                    return
                if fault == "slow":
                    self._wait_for_hang_up(fake.slow_seconds)
                status, text = fake.handle_api(params, fault)
                if fault == "reset_after":
                    self._reset()
                    return
                if fault in PROXY_ANSWERS:
                    status, text = int(fault), PROXY_ANSWERS[fault]
                # After a slow reply the client may have gone: exactly the timeout case.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
                    self._answer(status, text)
                if fault == "slow":
                    self.close_connection = True

            def _route(self):
                path = urlparse(self.path).path
                fake.paths.append(self.path)
                params = self._params()
                if path in ("/api-adv.php", "/api-adv"):
                    self._api(params)
                    return
                if path == "/fake/messages":
                    self._answer(200, json.dumps([m.__dict__ for m in fake.messages]),
                                 "application/json")
                    return
                if path == "/fake/reply" and self.command == "POST":
                    code = fake.reply(params.get("from", ""), params.get("message", ""),
                                      ref=params.get("ref", ""))
                    self._answer(200, f"forwarded, NCC answered {code}")
                    return
                if path == "/fake/fail" and self.command == "POST":
                    try:
                        fake.fail_next(params.get("kind", ""), int(params.get("times") or 1))
                    except ValueError as exc:
                        self._answer(400, str(exc))
                        return
                    self._answer(200, f"next {params.get('times') or 1} send(s): "
                                      f"{params.get('kind')}")
                    return
                if path == "/fake/receipt" and self.command == "POST":
                    message = fake.find(ref=params.get("ref", ""), to=params.get("to", ""))
                    if message is None:
                        self._answer(404, "no such message")
                        return
                    code = fake.send_receipt(message, params.get("status", "Delivered"))
                    self._answer(200, f"sent, NCC answered {code}")
                    return
                self._answer(404, "not found")

            do_GET = _route
            do_POST = _route

        return Handler
