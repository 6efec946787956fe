"""A clock that can run faster than real time, shared by the fake Xero and (in tests and the
benchmark) by our client, so that a minute's or a day's rate limits pass in seconds."""

import threading
import time
from datetime import UTC, datetime, timedelta


class ScaledClock:
    """Simulated time = start + real elapsed x speed. `advance()` jumps ahead (a day's limit)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None):
        self.speed = float(speed)
        self._start = start or datetime.now(UTC)
        self._real0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def seconds(self) -> float:
        """Simulated seconds since the clock started (monotonic)."""
        with self._lock:
            return (time.monotonic() - self._real0) * self.speed + self._offset

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.seconds())

    def sleep(self, simulated_seconds: float) -> None:
        if simulated_seconds > 0:
            time.sleep(simulated_seconds / self.speed)

    def advance(self, simulated_seconds: float) -> None:
        with self._lock:
            self._offset += simulated_seconds
