"""SMS providers behind one small interface. Only `providers/smsbroadcast.py` speaks to SMS
Broadcast; everything else calls `get_provider()`.

Failures are TransportError: `permanent=True` means retrying the same request cannot help (bad
credentials, the gateway refused the number); `outcome_unknown=True` means the request may have
reached the gateway (the body went out and no answer came back: reset, write or read timeout,
HTTP 502 or 504), so it must never be resent automatically. Only a failure before any connection
existed (refused, DNS, connect timeout) or an answer that says "not taken" (429, 500, 503) is
retried; `retry_after` carries the gateway's Retry-After in seconds when it sent one."""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, outcome_unknown: bool = False,
                 request_level: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message
        self.permanent = permanent
        self.outcome_unknown = outcome_unknown
        # The gateway refused the request itself (credentials, account): every other message
        # would fail the same way, so the sender stops instead of burning through the queue.
        self.request_level = request_level


@dataclass(frozen=True)
class SendResult:
    gateway_ref: str
    number: str  # as the gateway echoed it


class Provider(Protocol):
    name: str

    def send(self, *, to: str, body: str, sender: str, ref: str, max_parts: int) -> SendResult:
        """Send one message to one E.164 number; raise TransportError on any failure."""

    def balance(self) -> int:
        """Credits left on the account; raise TransportError when it cannot be read."""


PROVIDERS = {
    "console": "messaging.providers.console.ConsoleProvider",
    "smsbroadcast": "messaging.providers.smsbroadcast.SMSBroadcastProvider",
}


def get_provider() -> Provider:
    name = getattr(settings, "SMS_PROVIDER", "console")
    return import_string(PROVIDERS.get(name, name))()
