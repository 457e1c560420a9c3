"""Knobs that active faults turn and the shop's code paths read, rebuilt once per simulated second."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class ServiceEffects:
    """How one service's own handler misbehaves; zero means healthy."""

    delay_probability: float = 0.0  # share of requests that stall in the handler
    delay_seconds: tuple[float, float] = (1.0, 3.0)  # uniform range of one stall
    error_probability: float = 0.0  # share of requests that raise an unhandled exception
    leak_bytes_per_request: float = 0.0  # heap retained for good by each request
    cpu_hog: float = 0.0  # runaway CPU demand, as a multiple of the container's CPU limit
    pool_leak_per_second: float = 0.0  # database connections checked out and never returned, per second
    deploy_error_probability: float = 0.0  # share of requests the bad new version fails; > 0 means deployed
    disk_fill_percent_per_second: float = 0.0  # the data volume filling up (e.g. WAL kept for a dead slot)
    disk_write_failure_probability: float = 0.0  # share of writes failing once the volume is full


@dataclass(slots=True)
class Effects:
    """Every knob for one simulated second. ``services`` only holds services that a fault touches."""

    services: dict[str, ServiceEffects] = field(default_factory=dict)
    slow_query_probability: float = 0.0  # share of postgres queries that take extra time
    slow_query_seconds: tuple[float, float] = (0.5, 2.0)  # uniform range of the extra time
    gateway_failure_probability: float = 0.0  # share of payment-gateway calls that cannot connect
    gateway_connect_timeout_seconds: float = 2.0  # time a failed connection attempt takes
    cache_failure_probability: float = 0.0  # share of cache calls that time out
    surge_rate: float = 0.0  # extra shoppers per second arriving at the frontend

    def service(self, name: str) -> ServiceEffects:
        """The knobs of ``name``, created healthy on first use."""
        found = self.services.get(name)
        if found is None:
            found = self.services[name] = ServiceEffects()
        return found
