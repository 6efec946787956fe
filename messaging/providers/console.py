"""Development provider: prints each message to the log and keeps it in OUTBOX; never fails."""

import itertools
import logging

from . import SendResult

log = logging.getLogger(__name__)
OUTBOX: list[dict] = []
_ids = itertools.count(9_000_000)


class ConsoleProvider:
    name = "console"

    def send(self, *, to: str, body: str, sender: str, ref: str, max_parts: int) -> SendResult:
        gateway_ref = str(next(_ids))
        OUTBOX.append({"to": to, "body": body, "sender": sender, "ref": ref,
                       "gateway_ref": gateway_ref})
        log.info("SMS (console) from %s to %s ref %s: %s", sender, to, ref, body)
        return SendResult(gateway_ref=gateway_ref, number=to.lstrip("+"))

    def balance(self) -> int:
        return 1000
