"""Faults the fake Xero injects on demand, in the order a real service produces them, and the
fixed windows of its rate limits.

`fake.inject(kind, method=, path=, every=, times=, skip=, ...)` — see xero/README.md. Kinds:

| kind | what the client sees | applied? |
|---|---|---|
| "slow" | the reply after `delay` real seconds; the write is applied at the END of the delay, so a lookup during it finds nothing (Xero's visibility delay) | yes, late |
| "drop" / "lost_reply" | the connection closes without a reply | yes |
| "drop_before" / "lost_request" | the connection closes without a reply | no |
| "reset" | TCP reset after the request body was read | `applied` (default yes) |
| "429" | 429 with Retry-After and X-Rate-Limit-Problem (`problem`, `retry_after`) | no |
| "500" "502" "503" "504" | that status | 500/503 no; 502/504 yes (gateway gave up on a backend that finished); `applied` overrides |
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

KINDS = {"slow", "drop", "lost_reply", "drop_before", "lost_request", "reset", "429", "500",
         "502", "503", "504"}
ALIASES = {"lost_reply": "drop", "lost_request": "drop_before"}
APPLIED_BY_DEFAULT = {"slow": True, "drop": True, "drop_before": False, "reset": True,
                      "429": False, "500": False, "502": True, "503": False, "504": True}


@dataclass
class Fault:
    kind: str
    method: str | None = None
    path: str | None = None  # substring of the path, case-insensitive (e.g. "/Contacts")
    every: int | None = None  # every n-th matching request
    times: int | None = None  # the next n matching requests
    skip: int = 0  # let the first n matching requests through untouched
    delay: float = 0.0  # real seconds, for "slow"
    applied: bool | None = None  # whether a write is applied (see the table); None: the default
    problem: str = "minute"  # X-Rate-Limit-Problem for "429"
    retry_after: int = 1  # Retry-After for "429"
    seen: int = 0
    fired: int = 0
    # Set when a firing of this fault is over (a slow write applied, a reply lost): tests wait
    # on it instead of sleeping.
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        self.kind = ALIASES.get(self.kind, self.kind)
        if self.method:
            self.method = self.method.upper()
        if self.applied is None:
            self.applied = APPLIED_BY_DEFAULT[self.kind]

    @property
    def status(self) -> int | None:
        return int(self.kind) if self.kind.isdigit() else None

    def fires(self, method: str, path: str, taken: bool) -> bool:
        """Whether this fault applies to the request; `taken`: an earlier fault already did
        (then only the counters move, so faults do not swallow each other's turns)."""
        if self.method and self.method != method:
            return False
        if self.path and self.path.lower() not in path.lower():
            return False
        self.seen += 1
        if taken or self.seen <= self.skip:
            return False
        if self.every:
            hit = (self.seen - self.skip) % self.every == 0
        elif self.times is not None:
            hit = self.times > 0
            if hit:
                self.times -= 1
        else:
            hit = True
        self.fired += hit
        return hit


@dataclass
class Window:
    """A fixed rate-limit window (a minute, a day) on the simulated clock."""

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
