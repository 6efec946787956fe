"""Fake Xero for tests and demos: `FakeXero(speed=60).start()`; see server.py."""

from .clock import ScaledClock
from .server import FakeXero, Fault, Org

__all__ = ["FakeXero", "Fault", "Org", "ScaledClock"]
