"""The simulated shop as a whole: catches up with a clock one simulated second at a time.

Nothing moves by itself: every public method first replays the seconds between the last simulated
second and ``clock.now()``, so the same seed, clock readings and calls give the same metrics and logs.
One re-entrant lock guards all state.
"""

from __future__ import annotations

import random
import threading

from demo_service.background import Background
from demo_service.clock import Clock, WallClock
from demo_service.faults import FaultBook, FaultRequest, catalogue
from demo_service.logbuffer import DEFAULT_CAPACITY, LogBuffer, parse_cursor, parse_limit
from demo_service.process import Processes
from demo_service.resources import Disks, Pools
from demo_service.shop import Shop
from demo_service.styles import renderer
from demo_service.telemetry import Telemetry
from demo_service.topology import POSTGRES
from demo_service.traffic import Traffic

STEP_SECONDS = 1  # the simulation's resolution
MAX_CATCH_UP_SECONDS = 3600  # a longer gap is skipped: only its last hour is simulated


class UnknownFaultError(LookupError):
    """No active fault has the given id."""


class Simulation:
    """The shop, its faults, metrics and logs, advanced lazily to the clock's time."""

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 42,
        log_capacity: int = DEFAULT_CAPACITY,
        metrics_style: str = "shop",
    ) -> None:
        self._render = renderer(metrics_style)  # ValueError for an unknown style, before anything starts
        self._clock: Clock = clock if clock is not None else WallClock()
        self._lock = threading.RLock()
        rng = random.Random(seed)
        self._started = float(self._clock.now())
        self._steps = 0
        self._telemetry = Telemetry()
        self._logs = LogBuffer(log_capacity)
        self._traffic = Traffic(rng)
        self._processes = Processes(rng, self._telemetry, self._logs)
        self._background = Background(rng, self._logs, lambda: self._processes.down)
        self._shop = Shop(rng, self._telemetry, self._logs)
        self._disks = Disks(self._telemetry, self._logs)
        self._pools = Pools(self._telemetry, self._logs)
        self._book = FaultBook()
        self._next_rid = rng.getrandbits(40) << 20

    @property
    def simulated_time(self) -> float:
        """Unix time up to which the shop has been simulated."""
        return self._started + self._steps * STEP_SECONDS

    def advance(self) -> float:
        """Simulate every whole second up to ``clock.now()`` and return that time."""
        with self._lock:
            now = float(self._clock.now())
            behind = now - self.simulated_time
            if behind > MAX_CATCH_UP_SECONDS + STEP_SECONDS:
                self._steps += int(behind - MAX_CATCH_UP_SECONDS) // STEP_SECONDS
            while self.simulated_time + STEP_SECONDS <= now:
                self._step(self.simulated_time)
                self._steps += 1
            return now

    def _step(self, ts: float) -> None:
        """One simulated second starting at ``ts``: faults, traffic, processes, periodic logs."""
        self._book.expire(ts)
        effects = self._book.effects()
        processes = self._processes
        shop = self._shop
        processes.roll_out(ts, effects)
        arrivals = self._traffic.arrivals(ts)
        if effects.surge_rate:
            arrivals += self._traffic.surge(effects.surge_rate)
        shop.begin(
            effects,
            processes.down,
            processes.oom,
            processes.heap_mb,
            processes.queue_wait,
            self._pools.exhausted,
            self._disks.write_failure,
            arrivals,
        )
        first = self._next_rid
        for i in range(arrivals):
            shop.request(first + i, ts + i / arrivals)
        self._next_rid += arrivals
        shop.finish(ts)
        processes.step(ts, self._steps, shop.handled, shop.leaked, effects)
        self._disks.step(ts, shop.writes, effects, processes.pid(POSTGRES))
        self._pools.step(ts, shop.db_busy, shop.pool_timeouts, effects)
        self._background.step(ts, self._steps)

    # --- what the HTTP endpoints and DemoService serve ---------------------------------------------

    def metrics_text(self) -> bytes:
        """Prometheus text exposition of every metric."""
        with self._lock:
            self.advance()
            return self._render(self._telemetry)

    def read_logs(self, since: str | None = None, limit: str | int | None = None) -> dict[str, object]:
        """Log lines after cursor ``since`` (None: oldest kept), at most ``limit`` (default 1000)."""
        after = parse_cursor(since)
        count = parse_limit(None if limit is None else str(limit))
        with self._lock:
            self.advance()
            return self._logs.read(after, count).document()

    def health(self) -> dict[str, object]:
        """Liveness, uptime in seconds of clock time, active fault count and simulated time."""
        with self._lock:
            now = self.advance()
            return {
                "status": "ok",
                "uptime_seconds": round(now - self._started, 3),
                "active_faults": len(self._live_faults(now)),
                "simulated_time": self.simulated_time,
            }

    def faults(self) -> dict[str, object]:
        """The fault catalogue and the active faults with their remaining seconds."""
        with self._lock:
            now = self.advance()
            return {
                "catalogue": [kind.document() for kind in catalogue()],
                "active": [fault.document(now) for fault in self._live_faults(now)],
            }

    def _live_faults(self, now: float) -> list:
        # A fault past its expiry leaves the book at the next simulated second; hide it already.
        return [fault for fault in self._book.active() if fault.expires_at > now]

    def inject(self, request: FaultRequest) -> dict[str, object]:
        """Start a validated fault now; raises FaultRequestError when too many are active."""
        with self._lock:
            now = self.advance()
            return self._book.add(request, now).document()

    def stop_fault(self, fault_id: str) -> dict[str, object]:
        """Stop one fault and return it; raises UnknownFaultError for an unknown id."""
        with self._lock:
            now = self.advance()
            live = {fault.id for fault in self._live_faults(now)}
            fault = self._book.remove(fault_id) if fault_id in live else None
            if fault is None:
                raise UnknownFaultError(f"no active fault with id {fault_id!r}")
            return fault.document()

    def stop_all(self) -> int:
        """Stop every active fault and return how many there were."""
        with self._lock:
            now = self.advance()
            count = len(self._live_faults(now))
            self._book.clear()
            return count
