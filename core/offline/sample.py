"""A synthetic wide CSV of container metrics of a dozen-service shop (sock-shop's layout), for demos and tests.

Deterministic per seed: traffic with a daily-like cycle (a short period, so the baseline holds whole
cycles), Gaussian noise and random spikes on every series, and optionally a CPU or memory hog on one
service from some time on. A hogged service gets slower itself and, through the call graph, so do its
callers; only the hogged service's own CPU or memory moves. The columns are ``time`` (unix seconds) and
``<service>_<metric>`` for cpu, mem, tps, lat_50 and lat_90 (databases and the broker have cpu and mem).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

HogKind = Literal["cpu", "memory"]

#: caller -> callees, sock-shop's call graph
CALLS: dict[str, tuple[str, ...]] = {
    "front-end": ("catalogue", "carts", "orders", "user"),
    "orders": ("carts", "user", "payment", "shipping"),
    "carts": ("carts-db",),
    "catalogue": ("catalogue-db",),
    "user": ("user-db",),
    "shipping": ("rabbitmq",),
    "queue-master": ("rabbitmq",),
}
SERVICES: tuple[str, ...] = (
    "front-end", "orders", "carts", "carts-db", "catalogue", "catalogue-db",
    "payment", "shipping", "user", "user-db", "queue-master", "rabbitmq",
)  # fmt: skip
BACKENDS = frozenset({"carts-db", "catalogue-db", "user-db", "rabbitmq"})  # no request metrics
START = 1_767_268_800.0  # 2026-01-01T12:00:00Z
PERIOD_S = 300.0  # traffic cycle; the baseline (first third) holds several


@dataclass(frozen=True)
class Sample:
    """A generated file: the wide frame and, when a hog was injected, where, what and from when."""

    frame: pd.DataFrame
    culprit: str | None
    kind: HogKind | None
    fault_start: float | None

    def to_csv(self) -> bytes:
        return self.frame.to_csv(index=False, float_format="%.4f").encode()


def _order() -> list[str]:
    """Services callees first, so that a caller's latency can add its callees'."""
    done: list[str] = []

    def visit(svc: str) -> None:
        for callee in CALLS.get(svc, ()):
            visit(callee)
        if svc not in done:
            done.append(svc)

    for svc in SERVICES:
        visit(svc)
    return done


def _spikes(rng: np.random.Generator, n: int, rate: float = 0.01) -> np.ndarray:
    """A multiplier per point: 1, or 1.5x-3x on short random bursts of 1-3 points."""
    factor = np.ones(n)
    for start in np.flatnonzero(rng.random(n) < rate):
        factor[start : start + int(rng.integers(1, 4))] *= rng.uniform(1.5, 3.0)
    return factor


def generate(
    seed: int,
    *,
    hog: HogKind | None = "cpu",
    culprit: str | None = None,
    duration_s: float = 1800.0,
    step_s: float = 5.0,
    intensity: float = 1.0,
) -> Sample:
    """A shop's metrics for ``duration_s``; with ``hog``, one service (``culprit`` or a random one) is hogged
    from a random time between 45% and 75% of the span to the end; ``intensity`` scales the hog's effects."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, duration_s, step_s)
    n = t.size
    cycle = 1.0 + 0.25 * np.sin(2 * np.pi * t / PERIOD_S + rng.uniform(0, 2 * np.pi))
    culprit = (culprit or str(rng.choice(SERVICES))) if hog else None
    onset = float(rng.uniform(0.45, 0.75) * duration_s) if hog else None
    active = t >= onset if onset is not None else np.zeros(n, dtype=bool)
    columns: dict[str, np.ndarray] = {"time": START + t}
    latency_p50: dict[str, np.ndarray] = {}
    for svc in _order():
        own_ms = rng.uniform(3.0, 30.0) * np.ones(n)
        cpu = rng.uniform(2.0, 25.0) * (0.6 + 0.4 * cycle)
        mem = rng.uniform(80.0, 700.0) + np.cumsum(rng.normal(0.0, 0.3, n))
        if svc == culprit and hog == "cpu":
            cpu = np.where(active, cpu + intensity * rng.uniform(60.0, 150.0), cpu)
            own_ms = np.where(active, own_ms * (1.0 + intensity * rng.uniform(2.0, 5.0)), own_ms)
        elif svc == culprit and hog == "memory":
            ramp = np.clip((t - (onset or 0.0)) / 60.0, 0.0, 1.0)
            mem = mem + ramp * intensity * rng.uniform(500.0, 2000.0)
            own_ms = np.where(active, own_ms * (1.0 + intensity * rng.uniform(0.5, 2.0)), own_ms)
        p50 = own_ms * (0.9 + 0.2 * cycle) + sum((0.6 * latency_p50[c] for c in CALLS.get(svc, ())), np.zeros(n))
        latency_p50[svc] = p50
        columns[f"{svc}_cpu"] = cpu * rng.normal(1.0, 0.06, n) * _spikes(rng, n)
        columns[f"{svc}_mem"] = mem * rng.normal(1.0, 0.01, n)
        if svc in BACKENDS:
            continue
        columns[f"{svc}_tps"] = rng.uniform(5.0, 40.0) * cycle * rng.normal(1.0, 0.05, n) * _spikes(rng, n)
        columns[f"{svc}_lat_50"] = p50 * rng.lognormal(0.0, 0.08, n) * _spikes(rng, n)
        columns[f"{svc}_lat_90"] = p50 * rng.uniform(1.6, 2.4) * rng.lognormal(0.0, 0.12, n) * _spikes(rng, n)
    frame = pd.DataFrame({key: columns[key] for key in ["time", *sorted(k for k in columns if k != "time")]})
    return Sample(frame, culprit, hog, START + onset if onset is not None else None)
