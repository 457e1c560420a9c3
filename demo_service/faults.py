"""Fault requests and active faults: validation of ``POST /faults`` and the book of running faults.

The kinds themselves (what each does, where it may strike) are in ``demo_service/mechanics.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from demo_service.effects import Effects
from demo_service.mechanics import FaultMechanics, catalogue, mechanics_of
from demo_service.topology import EXTERNAL, SERVICES

DEFAULT_INTENSITY = 1.0
DEFAULT_DURATION_SECONDS = 120.0
MIN_DURATION_SECONDS = 1.0
MAX_DURATION_SECONDS = 3600.0
MAX_ACTIVE_FAULTS = 100
REQUEST_FIELDS: tuple[str, ...] = ("type", "target", "intensity", "duration_seconds")


class FaultRequestError(ValueError):
    """A fault request broke a rule; the message names the field, the rule and the value."""


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


def _kind(value: object) -> FaultMechanics:
    known = ", ".join(kind.type for kind in catalogue())
    if value is None:
        raise FaultRequestError(f"'type' is required; known fault types: {known}")
    if not isinstance(value, str):
        raise FaultRequestError(f"'type' must be a string, got {value!r}; known: {known}")
    kind = mechanics_of(value)
    if kind is None:
        raise FaultRequestError(f"unknown fault type {value!r}; known fault types: {known}")
    return kind


def _target(kind: FaultMechanics, value: object) -> str:
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
            kind = mechanics_of(fault.type)
            if kind is not None:
                kind.apply(effects, fault.target, fault.intensity)
        return effects
