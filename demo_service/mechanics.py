"""Fault mechanics: what each fault kind does to the shop's handlers, where it may strike, and the registry.

A kind's ``FaultMechanics`` turns knobs on an ``Effects`` for one target and intensity (``apply``); the
shop's code paths read the knobs. The registry is the catalogue ``GET /faults`` lists. Every kind's
mechanics and its metric and log signature, and the files that adding a kind touches: ``README.md`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from demo_service.effects import Effects
from demo_service.topology import (
    CACHE,
    CATALOG,
    CHECKOUT,
    EXTERNAL,
    FRONTEND,
    GATEWAY,
    PAYMENTS,
    POSTGRES,
    SERVICES,
)
from demo_service.traffic import PEAK_RATE

_APP_SERVICES = (FRONTEND, CATALOG, CHECKOUT, PAYMENTS)


@dataclass(frozen=True, slots=True)
class FaultMechanics:
    """How one fault kind works in the shop: where it may strike and how it alters the handlers."""

    type: str
    description: str
    targets: tuple[str, ...]
    default_target: str
    apply: Callable[[Effects, str, float], None]  # (effects, target, intensity in (0, 1])

    def document(self) -> dict[str, object]:
        """The catalogue entry as served by ``GET /faults``."""
        return {
            "type": self.type,
            "description": self.description,
            "targets": list(self.targets),
            "default_target": self.default_target,
        }


_CATALOGUE: dict[str, FaultMechanics] = {}


def register(kind: FaultMechanics) -> FaultMechanics:
    """Add ``kind`` to the catalogue; raises ValueError on a duplicate name or an unknown target."""
    if kind.type in _CATALOGUE:
        raise ValueError(f"fault type {kind.type!r} is already registered")
    unknown = [t for t in kind.targets if t not in SERVICES and t not in EXTERNAL]
    if unknown or kind.default_target not in kind.targets:
        raise ValueError(
            f"fault type {kind.type!r}: targets {list(kind.targets)} must be shop services "
            f"and include the default target {kind.default_target!r}"
        )
    _CATALOGUE[kind.type] = kind
    return kind


def catalogue() -> list[FaultMechanics]:
    """Every registered kind, sorted by type name."""
    return [_CATALOGUE[name] for name in sorted(_CATALOGUE)]


def mechanics_of(name: str) -> FaultMechanics | None:
    """The registered kind called ``name``, or None."""
    return _CATALOGUE.get(name)


def _latency_spike(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.delay_probability = max(knobs.delay_probability, max(0.25, intensity))
    knobs.delay_seconds = (1.0, max(knobs.delay_seconds[1], 1.0 + 2.0 * intensity))


def _error_rate(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.error_probability = max(knobs.error_probability, max(0.15, 0.3 * intensity))


def _db_slow(effects: Effects, target: str, intensity: float) -> None:
    probability = max(0.25, intensity)
    effects.slow_query_probability = max(effects.slow_query_probability, probability)


def _memory_leak(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    leak = 100 * 1024 * intensity
    knobs.leak_bytes_per_request = max(knobs.leak_bytes_per_request, leak)


def _dependency_down(effects: Effects, target: str, intensity: float) -> None:
    probability = max(0.3, 0.5 * intensity)
    effects.gateway_failure_probability = max(effects.gateway_failure_probability, probability)


register(
    FaultMechanics(
        "latency_spike",
        "Handler stalls 1-3 s on max(25 %, intensity) of the target's requests; p95 > 1 s.",
        _APP_SERVICES,
        CHECKOUT,
        _latency_spike,
    )
)
register(
    FaultMechanics(
        "error_rate",
        "max(15 %, 30 % x intensity) of the target's requests raise an unhandled exception (500).",
        _APP_SERVICES,
        CHECKOUT,
        _error_rate,
    )
)
register(
    FaultMechanics(
        "db_slow",
        "max(25 %, intensity) of postgres queries take 0.5-2 s extra; catalog and checkout slow down.",
        (POSTGRES,),
        POSTGRES,
        _db_slow,
    )
)
register(
    FaultMechanics(
        "memory_leak",
        "Target retains 100 KB x intensity per request; GC pressure, then OOM kills near 1 GB.",
        _APP_SERVICES,
        CHECKOUT,
        _memory_leak,
    )
)
register(
    FaultMechanics(
        "dependency_down",
        "max(30 %, 50 % x intensity) of payments' calls to payment-gateway fail to connect.",
        (GATEWAY,),
        GATEWAY,
        _dependency_down,
    )
)

# --- saturation, pools, deploys, caches, disks and load ---------------------------------------------


def _cpu_saturation(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.cpu_hog = max(knobs.cpu_hog, 1.2 + 0.8 * intensity)


def _connection_pool_exhaustion(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.pool_leak_per_second = max(knobs.pool_leak_per_second, 2.0 + 6.0 * intensity)


def _bad_deploy(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.deploy_error_probability = max(knobs.deploy_error_probability, max(0.3, 0.5 * intensity))


def _cache_failure(effects: Effects, target: str, intensity: float) -> None:
    probability = max(0.3, 0.8 * intensity)
    effects.cache_failure_probability = max(effects.cache_failure_probability, probability)


def _disk_full(effects: Effects, target: str, intensity: float) -> None:
    knobs = effects.service(target)
    knobs.disk_fill_percent_per_second = max(knobs.disk_fill_percent_per_second, 15.0 + 25.0 * intensity)
    knobs.disk_write_failure_probability = max(knobs.disk_write_failure_probability, max(0.6, intensity))


def _traffic_surge(effects: Effects, target: str, intensity: float) -> None:
    effects.surge_rate = max(effects.surge_rate, (1.0 + 4.0 * intensity) * PEAK_RATE)


register(
    FaultMechanics(
        "cpu_saturation",
        "A runaway hot loop wants (1.2 + 0.8 x intensity) x the 1-core CPU limit: CPU pinned at 100 %, "
        "requests queue (wait grows up to 8 s); callers slow down, no errors.",
        SERVICES,
        CATALOG,
        _cpu_saturation,
    )
)
register(
    FaultMechanics(
        "connection_pool_exhaustion",
        "Target leaks 2 + 6 x intensity postgres connections per second; once its pool of 10 is empty, "
        "queries wait 2 s and fail (500); postgres stays healthy.",
        (CATALOG, CHECKOUT),
        CATALOG,
        _connection_pool_exhaustion,
    )
)
register(
    FaultMechanics(
        "bad_deploy",
        "A new version of the target is deployed (INFO deploy event, restart); it raises a new exception "
        "on max(30 %, 50 % x intensity) of requests (500).",
        _APP_SERVICES,
        CHECKOUT,
        _bad_deploy,
    )
)
register(
    FaultMechanics(
        "cache_failure",
        "max(30 %, 80 % x intensity) of cache calls time out after 1 s; frontend and catalog fall back to "
        "catalog and postgres, slower and with more database load.",
        (CACHE,),
        CACHE,
        _cache_failure,
    )
)
register(
    FaultMechanics(
        "disk_full",
        "The target's data volume fills by 15 + 25 x intensity % per second (postgres: a runaway query's temp "
        "files; apps: a debug log); once full, max(60 %, intensity) of writes (SQL writes, POST handlers) fail.",
        (FRONTEND, CHECKOUT, PAYMENTS, POSTGRES),
        POSTGRES,
        _disk_full,
    )
)
register(
    FaultMechanics(
        "traffic_surge",
        "A flash sale adds (1 + 4 x intensity) x the daily peak rate of shoppers (x(2 + 4 x intensity) at the "
        "peak); above 120 req/s the frontend sheds the excess with 503; all services work harder, none is broken.",
        (FRONTEND,),
        FRONTEND,
        _traffic_surge,
    )
)
