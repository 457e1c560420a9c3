"""Periodic chatter of healthy services: health probes, checkpoints, cache statistics, sweepers."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from demo_service.logbuffer import LogBuffer
from demo_service.topology import CACHE, CATALOG, CHECKOUT, FRONTEND, PAYMENTS, POSTGRES, SERVICES

_TABLES = ("orders", "cart_items", "products", "sessions")


@dataclass(frozen=True, slots=True)
class _Job:
    """A log line written every ``period`` simulated seconds, ``offset`` seconds into the period."""

    period: int
    offset: int
    service: str
    level: str
    message: Callable[[random.Random, int], str]  # (rng, step) -> message


def _probe(service: str) -> _Job:
    return _Job(
        30,
        3 + SERVICES.index(service) * 4,
        service,
        "INFO",
        lambda rng, _: f"GET /healthz 200 {rng.randint(0, 2)}ms ip=10.0.0.1 user_agent=kube-probe/1.29",
    )


def _checkpoint(rng: random.Random, _: int) -> str:
    buffers = rng.randint(800, 4000)
    write = 20.0 + 10.0 * rng.random()
    return (
        f"checkpoint complete: wrote {buffers} buffers ({buffers / 163.84:.1f}%); "
        f"write={write:.3f} s, sync={rng.random() * 0.01:.3f} s, total={write + 0.01:.3f} s"
    )


def _vacuum(rng: random.Random, step: int) -> str:
    table = _TABLES[(step // 900) % len(_TABLES)]
    return (
        f'automatic vacuum of table "shop.public.{table}": index scans: 1, pages: 0 removed, '
        f"{rng.randint(2000, 9000)} remain, tuples: {rng.randint(50, 900)} removed"
    )


def _cache_stats(rng: random.Random, _: int) -> str:
    hits = rng.randint(900, 2400)
    misses = rng.randint(120, 420)
    return (
        f"keyspace stats: hits={hits} misses={misses} hit_rate={hits / (hits + misses):.1%} "
        f"evicted_keys={rng.randint(0, 40)} connected_clients={rng.randint(38, 44)}"
    )


_JOBS: tuple[_Job, ...] = (
    *(_probe(s) for s in (FRONTEND, CATALOG, CHECKOUT, PAYMENTS)),
    _Job(300, 17, POSTGRES, "INFO", _checkpoint),
    _Job(900, 431, POSTGRES, "INFO", _vacuum),
    _Job(60, 29, CACHE, "INFO", _cache_stats),
    _Job(
        45,
        11,
        CATALOG,
        "DEBUG",
        lambda rng, _: f"Refreshed featured list: {rng.randint(20, 24)} products, ttl 300 s",
    ),
    _Job(
        120,
        53,
        CHECKOUT,
        "INFO",
        lambda rng, _: f"Abandoned-cart sweeper removed {rng.randint(0, 30)} carts older than 24 h",
    ),
    _Job(
        600,
        301,
        PAYMENTS,
        "INFO",
        lambda rng, _: "Refreshed payment-gateway API token; expires in 3600 s",
    ),
    _Job(
        20,
        7,
        FRONTEND,
        "DEBUG",
        lambda rng, _: f"Rendered template home.html in {rng.randint(2, 9)} ms (cache warm)",
    ),
)


class Background:
    """Writes the periodic lines that fall due in each simulated second."""

    def __init__(self, rng: random.Random, logs: LogBuffer, down: Callable[[], frozenset[str]]) -> None:
        self._rng = rng
        self._logs = logs
        self._down = down

    def step(self, ts: float, step: int) -> None:
        """Write the lines due at ``step`` (seconds since the simulation started), stamped ``ts``."""
        down = self._down()
        for job in _JOBS:
            if step % job.period == job.offset and job.service not in down:
                self._logs.append(ts + 0.25, job.service, job.level, job.message(self._rng, step))
