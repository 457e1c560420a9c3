"""A session of faults for ``simulate --scenario FILE``: which faults, on what, how hard, when and for how long.

FILE is a JSON object or a TOML document with a ``faults`` list; each fault is ``{type, target, intensity,
start_s, duration_s}``, where ``start_s`` counts from the end of the warm-up and only ``type`` is required
(the kind's default target, intensity 1.0, start 0, and the run's ``--fault-duration`` or its end):

    [[faults]]
    type = "error_rate"
    target = "payments"
    intensity = 0.6
    start_s = 30
    duration_s = 120
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


@dataclass(frozen=True)
class FaultSpec:
    """A fault to inject: ``TYPE[:TARGET[:INTENSITY]]`` on the command line (target None: the kind's default),
    ``start_s`` seconds after the warm-up, for ``duration_s`` seconds (None: the run's fault duration)."""

    type: str
    target: str | None = None
    intensity: float = 1.0
    start_s: float = 0.0
    duration_s: float | None = None

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """``TYPE[:TARGET[:INTENSITY]]``; raises ValueError naming the expected form or the bad intensity."""
        parts = text.split(":")
        if len(parts) > 3 or not parts[0]:
            raise ValueError(f"expected TYPE[:TARGET[:INTENSITY]], got {text!r}")
        try:
            intensity = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError as exc:
            raise ValueError(f"intensity must be a number in (0, 1], got {parts[2]!r}") from exc
        return cls(parts[0], parts[1] or None if len(parts) > 1 else None, intensity)


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1)
    target: str | None = None
    intensity: float = Field(default=1.0, gt=0.0, le=1.0)
    start_s: float = Field(default=0.0, ge=0.0)
    duration_s: float | None = Field(default=None, gt=0.0)


class _Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faults: list[_Fault] = Field(min_length=1)


def parse_schedule(text: str, *, toml: bool) -> list[FaultSpec]:
    """The faults of a schedule written as TOML (``toml``) or JSON, in order of ``start_s``; ``ValueError``
    naming the first thing wrong (syntax, a missing ``faults`` list, a field out of range)."""
    try:
        raw = tomllib.loads(text) if toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid {'TOML' if toml else 'JSON'}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"expected an object with a 'faults' list, got {type(raw).__name__}")
    try:
        schedule = _Schedule.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from exc
    specs = [FaultSpec(f.type, f.target, f.intensity, f.start_s, f.duration_s) for f in schedule.faults]
    return sorted(specs, key=lambda spec: spec.start_s)


def load_schedule(path: Path) -> list[FaultSpec]:
    """The faults of the schedule file at ``path`` (``.toml``: TOML; otherwise JSON, or TOML when it does not
    start with ``{``); ``ValueError`` naming the file and what is wrong, ``OSError`` when it cannot be read."""
    text = path.read_text(encoding="utf-8")
    toml = path.suffix.lower() == ".toml" or (path.suffix.lower() != ".json" and not text.lstrip().startswith("{"))
    try:
        return parse_schedule(text, toml=toml)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
