"""The fake Xero's HTTP side: one threaded server on loopback answering the login host
(/identity/connect/authorize), the identity host (/connect/token, /connect/revocation), the API
host (/connections, /api.xro/2.0/...) and the demo's bookkeeper (/fake-admin/, bookkeeper.py).
It reads the whole request body before anything else, so a "reset" fault really comes after
the body was read."""

from __future__ import annotations

import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .common import problem

API_PREFIX = "/api.xro/2.0"


def serve(fake, host: str, port: int) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(_Handler):
        pass

    Handler.fake = fake
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 64
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-xero",
                              daemon=True)
    thread.start()
    return server, thread


class _Handler(BaseHTTPRequestHandler):
    fake = None
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

    def _act(self, action: str | None, status, body, headers=None) -> None:
        """Reply, or lose the reply: "drop" closes the connection, "reset" sends a TCP RST."""
        fake = self.fake
        if action in ("drop", "reset"):
            with fake.lock:
                fake.stats["dropped"] += 1
            self.close_connection = True
            if action == "reset":
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                self.rfile.close()
                self.request.close()
            return
        self._send(status, body, headers)

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
            status, body, extra, action = fake.identity_call(path, headers, form)
            return self._act(action, status, body, extra)
        if path.lower().startswith("/connections"):
            status, body, extra = fake.connections_endpoint(self.command, path, headers, query)
            return self._send(status, body, extra)
        if path.startswith("/fake-admin"):
            status, body, content_type = fake.bookkeeper_page(self.command, path, query, raw)
            return self._send(status, body, content_type=content_type)
        if path.startswith(API_PREFIX + "/"):
            if "application/json" not in headers.get("accept", ""):
                return self._send(406, {"Message": "This fake only answers JSON: send "
                                                   "Accept: application/json."})
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return self._send(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                                        "Message": "The request body is not valid JSON."})
            from .server import FakeRequest

            request = FakeRequest(self.command, path[len(API_PREFIX):], query, headers, body, raw)
            status, body, extra, action = fake.accounting(request)
            with fake.lock:
                fake.stats["last_reply_at"] = fake.clock.seconds()
            return self._act(action, status, body, extra)
        return self._send(404, problem(404, "Not Found", "No such endpoint on the fake Xero."))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()
