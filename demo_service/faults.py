"""Fault catalogue: what each fault kind does to the shop's handlers, request validation, active faults.

A kind is a ``FaultKind`` whose ``apply`` turns knobs on an ``Effects`` for one target and intensity;
the shop's code paths read the knobs. Add a kind with ``register``; nothing else needs to change
unless it needs a new knob. Every kind's mechanics and metric and log signature: ``demo_service/README.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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

DEFAULT_INTENSITY = 1.0
DEFAULT_DURATION_SECONDS = 120.0
MIN_DURATION_SECONDS = 1.0
MAX_DURATION_SECONDS = 3600.0
MAX_ACTIVE_FAULTS = 100
REQUEST_FIELDS: tuple[str, ...] = ("type", "target", "intensity", "duration_seconds")

_APP_SERVICES = (FRONTEND, CATALOG, CHECKOUT, PAYMENTS)


class FaultRequestError(ValueError):
    """A fault request broke a rule; the message names the field, the rule and the value."""


@dataclass(frozen=True, slots=True)
class FaultKind:
    """One entry of the catalogue: where it may strike and how it alters the handlers."""

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


_CATALOGUE: dict[str, FaultKind] = {}


def register(kind: FaultKind) -> FaultKind:
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


def catalogue() -> list[FaultKind]:
    """Every registered kind, sorted by type name."""
    return [_CATALOGUE[name] for name in sorted(_CATALOGUE)]


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
    FaultKind(
        "latency_spike",
        "Handler stalls 1-3 s on max(25 %, intensity) of the target's requests; p95 > 1 s.",
        _APP_SERVICES,
        CHECKOUT,
        _latency_spike,
    )
)
register(
    FaultKind(
        "error_rate",
        "max(15 %, 30 % x intensity) of the target's requests raise an unhandled exception (500).",
        _APP_SERVICES,
        CHECKOUT,
        _error_rate,
    )
)
register(
    FaultKind(
        "db_slow",
        "max(25 %, intensity) of postgres queries take 0.5-2 s extra; catalog and checkout slow down.",
        (POSTGRES,),
        POSTGRES,
        _db_slow,
    )
)
register(
    FaultKind(
        "memory_leak",
        "Target retains 100 KB x intensity per request; GC pressure, then OOM kills near 1 GB.",
        _APP_SERVICES,
        CHECKOUT,
        _memory_leak,
    )
)
register(
    FaultKind(
        "dependency_down",
        "max(30 %, 50 % x intensity) of payments' calls to payment-gateway fail to connect.",
        (GATEWAY,),
        GATEWAY,
        _dependency_down,
    )
)

# --- the six kinds added for the fault catalogue (issue 3) ------------------------------------------


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
    FaultKind(
        "cpu_saturation",
        "A runaway hot loop wants (1.2 + 0.8 x intensity) x the 1-core CPU limit: CPU pinned at 100 %, "
        "requests queue (wait grows up to 8 s); callers slow down, no errors.",
        SERVICES,
        CATALOG,
        _cpu_saturation,
    )
)
register(
    FaultKind(
        "connection_pool_exhaustion",
        "Target leaks 2 + 6 x intensity postgres connections per second; once its pool of 10 is empty, "
        "queries wait 2 s and fail (500); postgres stays healthy.",
        (CATALOG, CHECKOUT),
        CATALOG,
        _connection_pool_exhaustion,
    )
)
register(
    FaultKind(
        "bad_deploy",
        "A new version of the target is deployed (INFO deploy event, restart); it raises a new exception "
        "on max(30 %, 50 % x intensity) of requests (500).",
        _APP_SERVICES,
        CHECKOUT,
        _bad_deploy,
    )
)
register(
    FaultKind(
        "cache_failure",
        "max(30 %, 80 % x intensity) of cache calls time out after 1 s; frontend and catalog fall back to "
        "catalog and postgres, slower and with more database load.",
        (CACHE,),
        CACHE,
        _cache_failure,
    )
)
register(
    FaultKind(
        "disk_full",
        "The target's data volume fills by 15 + 25 x intensity % per second (postgres: a runaway query's temp "
        "files; apps: a debug log); once full, max(60 %, intensity) of writes (SQL writes, POST handlers) fail.",
        (FRONTEND, CHECKOUT, PAYMENTS, POSTGRES),
        POSTGRES,
        _disk_full,
    )
)
register(
    FaultKind(
        "traffic_surge",
        "A flash sale adds (1 + 4 x intensity) x the daily peak rate of shoppers (x(2 + 4 x intensity) at the "
        "peak); above 120 req/s the frontend sheds the excess with 503; all services work harder, none is broken.",
        (FRONTEND,),
        FRONTEND,
        _traffic_surge,
    )
)


@dataclass(frozen=True, slots=True)
class FaultRequest:
    """A validated request to inject a fault."""

    type: str
    target: str
    intensity: float
    duration_seconds: float


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultRequestError(f"{field!r} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise FaultRequestError(f"{field!r} must be a finite number, got {value!r}")
    return number


def _kind(value: object) -> FaultKind:
    known = ", ".join(sorted(_CATALOGUE))
    if value is None:
        raise FaultRequestError(f"'type' is required; known fault types: {known}")
    if not isinstance(value, str):
        raise FaultRequestError(f"'type' must be a string, got {value!r}; known: {known}")
    kind = _CATALOGUE.get(value)
    if kind is None:
        raise FaultRequestError(f"unknown fault type {value!r}; known fault types: {known}")
    return kind


def _target(kind: FaultKind, value: object) -> str:
    if value is None:
        return kind.default_target
    valid = ", ".join(kind.targets)
    if not isinstance(value, str):
        raise FaultRequestError(f"'target' must be a string, got {value!r}; valid: {valid}")
    if value not in SERVICES and value not in EXTERNAL:
        names = ", ".join((*SERVICES, *EXTERNAL))
        raise FaultRequestError(
            f"unknown target {value!r}: not a service of the shop ({names}); valid targets for {kind.type!r}: {valid}"
        )
    if value not in kind.targets:
        raise FaultRequestError(f"fault type {kind.type!r} cannot target {value!r}; valid targets: {valid}")
    return value


def validate_fault(
    type: object,
    target: object = None,
    intensity: object = DEFAULT_INTENSITY,
    duration_seconds: object = DEFAULT_DURATION_SECONDS,
) -> FaultRequest:
    """Check one fault request field by field; raises FaultRequestError naming the first problem."""
    kind = _kind(type)
    checked_target = _target(kind, target)
    level = _number("intensity", intensity)
    if not 0.0 < level <= 1.0:
        raise FaultRequestError(f"'intensity' must be in (0, 1], got {intensity!r}")
    duration = _number("duration_seconds", duration_seconds)
    if not MIN_DURATION_SECONDS <= duration <= MAX_DURATION_SECONDS:
        raise FaultRequestError(
            f"'duration_seconds' must be between {MIN_DURATION_SECONDS:g} and "
            f"{MAX_DURATION_SECONDS:g} seconds, got {duration_seconds!r}"
        )
    return FaultRequest(kind.type, checked_target, level, duration)


def parse_fault_request(body: object) -> FaultRequest:
    """Validate a decoded ``POST /faults`` JSON body; raises FaultRequestError naming the problem."""
    if not isinstance(body, Mapping):
        raise FaultRequestError(
            f'request body must be a JSON object like {{"type": "error_rate"}}, got {type(body).__name__}'
        )
    extra = sorted(str(key) for key in body if key not in REQUEST_FIELDS)
    if extra:
        raise FaultRequestError(
            f"unknown field(s) {', '.join(repr(k) for k in extra)}; allowed fields: {', '.join(REQUEST_FIELDS)}"
        )
    return validate_fault(
        body.get("type"),
        body.get("target"),
        body.get("intensity", DEFAULT_INTENSITY),
        body.get("duration_seconds", DEFAULT_DURATION_SECONDS),
    )


@dataclass(frozen=True, slots=True)
class ActiveFault:
    """A fault that is altering the shop from ``started_at`` until ``expires_at`` (Unix seconds)."""

    id: str
    type: str
    target: str
    intensity: float
    started_at: float
    expires_at: float

    def document(self, now: float | None = None) -> dict[str, object]:
        """The fault as JSON; with ``now``, includes ``remaining_seconds`` (>= 0)."""
        doc: dict[str, object] = {
            "id": self.id,
            "type": self.type,
            "target": self.target,
            "intensity": self.intensity,
            "started_at": self.started_at,
            "expires_at": self.expires_at,
        }
        if now is not None:
            doc["remaining_seconds"] = max(0.0, round(self.expires_at - now, 3))
        return doc


class FaultBook:
    """The active faults, in injection order, and the knobs they turn."""

    def __init__(self) -> None:
        self._active: dict[str, ActiveFault] = {}
        self._issued = 0

    def add(self, request: FaultRequest, now: float) -> ActiveFault:
        """Start ``request`` at ``now``; raises FaultRequestError past MAX_ACTIVE_FAULTS."""
        if len(self._active) >= MAX_ACTIVE_FAULTS:
            raise FaultRequestError(
                f"{len(self._active)} faults are already active (max {MAX_ACTIVE_FAULTS}); "
                "stop some with DELETE /faults first"
            )
        self._issued += 1
        fault = ActiveFault(
            id=f"fault-{self._issued}",
            type=request.type,
            target=request.target,
            intensity=request.intensity,
            started_at=now,
            expires_at=now + request.duration_seconds,
        )
        self._active[fault.id] = fault
        return fault

    def remove(self, fault_id: str) -> ActiveFault | None:
        """Stop one fault; None when no active fault has ``fault_id``."""
        return self._active.pop(fault_id, None)

    def clear(self) -> int:
        """Stop every fault and return how many were active."""
        count = len(self._active)
        self._active.clear()
        return count

    def expire(self, now: float) -> None:
        """Drop faults whose ``expires_at`` is at or before ``now``."""
        for fault_id in [f.id for f in self._active.values() if f.expires_at <= now]:
            del self._active[fault_id]

    def active(self) -> list[ActiveFault]:
        """Active faults in injection order."""
        return list(self._active.values())

    def effects(self) -> Effects:
        """The knobs every active fault turns, combined by taking the strongest."""
        effects = Effects()
        for fault in self._active.values():
            _CATALOGUE[fault.type].apply(effects, fault.target, fault.intensity)
        return effects
