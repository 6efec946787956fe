"""Fake Xero for tests and demos: `FakeXero(speed=60).start()`; see server.py and xero/README.md."""

from .clock import ScaledClock
from .faults import Fault
from .organisation import Org
from .server import FakeXero

__all__ = ["FakeXero", "Fault", "Org", "ScaledClock"]
