from .server import FakeSMSBroadcast

__all__ = ["FakeSMSBroadcast"]
