"""A simulated online shop that emits metrics and logs and accepts injected faults over HTTP.

It never imports ``core``: the app reaches it only over HTTP, as it would a real service.
"""

from demo_service.clock import Clock, WallClock
from demo_service.faults import FaultRequestError
from demo_service.service import DemoService
from demo_service.simulation import UnknownFaultError

__all__ = ["Clock", "DemoService", "FaultRequestError", "UnknownFaultError", "WallClock"]
