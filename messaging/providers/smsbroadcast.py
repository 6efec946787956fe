"""SMS Broadcast advanced HTTP API (api-adv.php), by POST so the password never sits in a URL.

Replies are plain text lines: `OK:<number>:<smsref>`, `BAD:<number>:<reason>`, `ERROR:<reason>`
(see shared/reference/smsbroadcast.md). Request bodies carry the credentials: never log them."""

import logging
import re

import httpx
from django.conf import settings

from . import SendResult, TransportError

log = logging.getLogger(__name__)

AU_MOBILE = re.compile(r"^614\d{8}$")

# Raised before a connection existed, so before a byte of the request went out. Every other
# httpx error (write/read timeout, reset, remote protocol error) happens on an open connection
# after the request was at least partly written: the outcome is unknown.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# Answers of a proxy that passed the request on and lost the gateway's reply.
MAY_HAVE_SENT = (502, 504)


def gateway_number(raw: str) -> str:
    """E.164 or local forms -> SMS Broadcast's 614xxxxxxxx; ValueError when not an AU mobile."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("04") and len(digits) == 10:
        digits = "61" + digits[1:]
    elif digits.startswith("4") and len(digits) == 9:
        digits = "61" + digits
    if not AU_MOBILE.match(digits):
        raise ValueError(f"{raw!r} is not an Australian mobile number")
    return digits


def parse_lines(text: str) -> list[tuple[str, str, str]]:
    """Split a reply into (status, number, detail); ERROR lines have no number."""
    out = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        head, _, rest = line.partition(":")
        head = head.strip().upper()
        if head == "ERROR":
            out.append(("ERROR", "", rest.strip()))
        else:
            number, _, detail = rest.partition(":")
            out.append((head, number.strip(), detail.strip()))
    return out


class SMSBroadcastProvider:
    name = "smsbroadcast"

    def __init__(self, base_url: str | None = None, username: str | None = None,
                 password: str | None = None, client: httpx.Client | None = None):
        self.url = base_url or settings.SMSB_API_URL
        self.username = username if username is not None else settings.SMSB_USERNAME
        self.password = password if password is not None else settings.SMSB_PASSWORD
        self.client = client or _shared_client()

    def _post(self, data: dict) -> str:
        payload = {"username": self.username, "password": self.password, **data}
        try:
            response = self.client.post(self.url, data=payload)
        except NOT_SENT:
            # No connection was ever made (refused, DNS, connect timeout, no free connection):
            # SMS Broadcast cannot have seen the request, so sending again is safe.
            raise TransportError("Could not reach SMS Broadcast (no connection: refused, address "
                                 "not found or timed out connecting).") from None
        except httpx.TimeoutException:
            # Writing or reading timed out: the request (or part of it) went out and SMS
            # Broadcast may have accepted it.
            raise TransportError("SMS Broadcast did not answer in time.",
                                 outcome_unknown=True) from None
        except httpx.TransportError:
            # Reset, closed without a reply, broken reply: the connection was open and the body
            # may have been read. SMS Broadcast has no idempotency key, so this is never resent.
            raise TransportError("The connection to SMS Broadcast broke before it answered.",
                                 outcome_unknown=True) from None
        if response.status_code in MAY_HAVE_SENT:
            # A proxy in front of the gateway gave up on it (bad gateway, gateway timeout): the
            # gateway itself may have taken the message.
            raise TransportError(f"SMS Broadcast answered HTTP {response.status_code}.",
                                 outcome_unknown=True)
        if response.status_code >= 500 or response.status_code == 429:
            raise TransportError(f"SMS Broadcast answered HTTP {response.status_code}.",
                                 retry_after=_retry_after(response))
        if response.status_code >= 400:
            raise TransportError(f"SMS Broadcast refused the request (HTTP "
                                 f"{response.status_code}).", permanent=True)
        return response.text

    def send(self, *, to: str, body: str, sender: str, ref: str, max_parts: int) -> SendResult:
        number = gateway_number(to)
        text = self._post({"to": number, "from": sender, "message": body, "ref": ref,
                           "maxsplit": str(max(1, min(5, max_parts)))})
        for status, echoed, detail in parse_lines(text):
            if status == "ERROR":
                raise TransportError(f"SMS Broadcast refused the request: {detail}",
                                     permanent=True, request_level=True)
            if echoed.lstrip("+") != number and _safe_number(echoed) != number:
                continue
            if status == "OK":
                return SendResult(gateway_ref=detail, number=echoed)
            if status == "BAD":
                raise TransportError(f"SMS Broadcast rejected the number: {detail}",
                                     permanent=True)
        log.warning("SMS Broadcast reply did not mention the recipient (ref %s)", ref)
        raise TransportError("SMS Broadcast's reply did not include this number.", permanent=True)

    def balance(self) -> int:
        text = self._post({"action": "balance"})
        head, _, rest = text.strip().partition(":")
        if head.strip().upper() == "OK":
            try:
                return int(rest.strip())
            except ValueError:
                pass
        raise TransportError(f"SMS Broadcast did not give the balance: {rest.strip() or text}",
                             permanent=True)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _safe_number(raw: str) -> str:
    try:
        return gateway_number(raw)
    except ValueError:
        return raw


_clients: dict[tuple[float, float], httpx.Client] = {}


def _shared_client() -> httpx.Client:
    """One keep-alive client per process and timeout setting; timeouts always explicit."""
    key = (float(settings.SMSB_TIMEOUT_SECONDS), float(settings.SMSB_CONNECT_TIMEOUT_SECONDS))
    if key not in _clients:
        _clients[key] = httpx.Client(timeout=httpx.Timeout(key[0], connect=key[1]))
    return _clients[key]
