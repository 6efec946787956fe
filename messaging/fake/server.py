"""A fake SMS Broadcast: real HTTP on loopback, the same plain-text replies as api-adv.php
(`OK:<614…>:<smsref>`, `BAD:<number>:<reason>`, `ERROR:<reason>`, `OK: <credits>` for
action=balance), delivery receipts and inbound replies sent to our callbacks by HTTP GET, and
fault injection for the cases SMS Broadcast's own documentation leaves open.

Faults are queued with `fail_next(kind, times)` and consumed one per send request:
  "500", "503"     the server answers that HTTP status and records nothing;
  "timeout"        the message IS accepted and recorded, but the reply comes `slow_seconds` late
                   (longer than the client's timeout): the outcome is unknown to the caller;
  "slow"           accepted, answered after `slow_seconds`;
  "drop"           the connection is closed without a reply, nothing recorded;
  "bad"            `BAD:<number>:<reason>`;  "error"  `ERROR:<reason>`.
Connection refused: use `closed_url()`, a port on which nothing listens.
"""

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx

from ..segments import count as count_segments

AU_MOBILE = re.compile(r"^(?:614|04|4)\d{8}$")


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
                 slow_seconds=1.0):
        self.username, self.password = username, password
        self.balance = balance
        self.receipt_url, self.inbound_url = receipt_url, inbound_url
        self.auto_receipt = auto_receipt
        self.slow_seconds = slow_seconds
        self.messages: list[FakeMessage] = []
        self.requests = 0
        self.paths: list[str] = []  # request lines as received (to check no secret is in a URL)
        self.faults: list[str] = []
        self.bad_reason = "Invalid Number"
        self.error_reason = "Username or password is incorrect"
        self._ids = itertools.count(2942263)
        self._lock = threading.Lock()
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
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
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
        with self._lock:
            self.faults.extend([kind] * times)

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
    def handle_api(self, params: dict[str, str]) -> tuple[int, str, float, bool]:
        """-> (HTTP status, body, delay seconds, drop connection)."""
        with self._lock:
            self.requests += 1
            fault = self.faults.pop(0) if self.faults and params.get("action") != "balance" \
                else ""
        if fault in ("500", "503"):
            return int(fault), "Service unavailable", 0.0, False
        if fault == "drop":
            return 0, "", 0.0, True
        if params.get("username") != self.username or params.get("password") != self.password:
            return 200, "ERROR: Username or password is incorrect", 0.0, False
        if params.get("action") == "balance":
            return 200, f"OK: {self.balance}", 0.0, False
        if fault == "error":
            return 200, f"ERROR: {self.error_reason}", 0.0, False
        sender = params.get("from", "")
        if len(sender) > 11:
            return 200, "ERROR: The sender cannot be longer than 11 characters.", 0.0, False
        body = params.get("message", "")
        if not body:
            return 200, "ERROR: No message was supplied.", 0.0, False
        if not params.get("to"):
            return 200, "ERROR: No recipients were supplied.", 0.0, False
        try:
            maxsplit = int(params.get("maxsplit") or 1)
        except ValueError:
            return 200, "ERROR: maxsplit must be a number from 1 to 5.", 0.0, False
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
            message = FakeMessage(to=_intl(raw), sender=sender, body=body,
                                  ref=params.get("ref", ""), smsref=str(next(self._ids)),
                                  maxsplit=maxsplit, segments=parts)
            with self._lock:
                self.messages.append(message)
                self.balance -= parts
            accepted.append(message)
            lines.append(f"OK: {message.to}:{message.smsref}")
        if self.auto_receipt and self.receipt_url:
            for message in accepted:
                t = threading.Thread(target=self._auto_receipt, args=(message,), daemon=True)
                self._receipt_threads.append(t)
                t.start()
        delay = self.slow_seconds if fault in ("timeout", "slow") else 0.0
        return 200, "\n".join(lines), delay, False

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

            def _answer(self, status: int, text: str, content_type="text/plain") -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self):
                path = urlparse(self.path).path
                fake.paths.append(self.path)
                params = self._params()
                if path in ("/api-adv.php", "/api-adv"):
                    status, text, delay, drop = fake.handle_api(params)
                    if drop:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if delay:
                        time.sleep(delay)  # the fake is slow on purpose (fault injection)
                    # The client may have given up waiting: exactly the timeout case.
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self._answer(status, text)
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
