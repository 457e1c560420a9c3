"""The plumbing every simulated request goes through, whatever the handler.

A request is simulated, not served: every handler returns ``(status, own seconds, downstream
seconds)``; ``Pipeline._serve`` wraps it like middleware (faults of that service, metrics, access and
slow logs) and ``Pipeline._call`` is the client side (dependency counters, connection errors, slow-call
logs). ``Pipeline`` also holds the state of the simulated second (``begin`` / ``finish``): the faults in
force, the per-service log budget and the counters the simulation reads. The handlers live in ``shop``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from demo_service import logtext
from demo_service.effects import Effects, ServiceEffects
from demo_service.logbuffer import LogBuffer
from demo_service.routes import Route
from demo_service.telemetry import DB_CLIENTS, Telemetry
from demo_service.topology import CACHE, CATALOG, CHECKOUT, FRONTEND, PAYMENTS, POSTGRES, SERVICES, VERSIONS

SLOW_SECONDS = 1.0  # handlers and clients log WARN above this
HOP_SECONDS = 0.0004  # network round trip between two pods
ACCESS_SAMPLE = 0.05  # share of successful requests written to the access log
LOG_BUDGET = 50  # WARN and ERROR lines per service per simulated second; the rest are counted
REFUSED = 0  # status of a call whose callee process is down
TIMED_OUT = 504  # status a client records for a call that timed out without an answer
CACHE_TIMEOUT_SECONDS = 1.0  # the cache client's socket timeout
FRONTEND_CAPACITY_RPS = 120.0  # the frontend admits this many requests per second, 1.8 x the daily peak

_ACCESS_LOGGED = frozenset({FRONTEND, CATALOG, CHECKOUT, PAYMENTS})
_PEERS = {FRONTEND: "10.0.1.17", CATALOG: "10.0.2.23", CHECKOUT: "10.0.3.12", PAYMENTS: "10.0.4.8"}
_ADDRESSES = {name: f"10.0.{i + 1}.{20 + i}:8080" for i, name in enumerate(SERVICES)}
_CACHE_ADDRESS = "cache:6379"

Body = Callable[[Route, int], tuple[int, float, float]]


class Pipeline:
    """The middleware and client of every simulated request, and the state of the simulated second.

    Not thread-safe: the simulation holds a lock.
    """

    def __init__(self, rng: random.Random, telemetry: Telemetry, logs: LogBuffer) -> None:
        self._rng = rng
        self._t = telemetry
        self._logs = logs
        self._effects = Effects()
        self._knobs: dict[str, ServiceEffects] = {}
        self._down: frozenset[str] = frozenset()
        self._oom: dict[str, float] = {}
        self._heap: dict[str, float] = {}
        self._now = 0.0
        self._queue: dict[str, float] = {}
        self._exhausted: dict[str, int] = {}
        self._write_failure: dict[str, float] = {}
        self._shed = 0.0  # share of arrivals the frontend rejects this second
        self._offered = 0
        self._db_error = ""  # why the last postgres statement failed: "deadlock" or "disk_full"
        self._budget = dict.fromkeys(SERVICES, LOG_BUDGET)
        self._suppressed = dict.fromkeys(SERVICES, 0)
        self.handled = dict.fromkeys(SERVICES, 0)  # requests served this second
        self.leaked = dict.fromkeys(SERVICES, 0.0)  # bytes retained for good this second
        self.writes = 0  # postgres writes this second
        self.db_busy = dict.fromkeys(DB_CLIENTS, 0.0)  # seconds of queries per client this second
        self.pool_timeouts = dict.fromkeys(DB_CLIENTS, 0)  # pooled-connection waits that failed this second
        self.rejected = 0  # requests the frontend shed this second

    def begin(
        self,
        effects: Effects,
        down: frozenset[str],
        oom: dict[str, float],
        heap_mb: dict[str, float],
        queue_wait: dict[str, float] | None = None,
        exhausted: dict[str, int] | None = None,
        write_failure: dict[str, float] | None = None,
        arrivals: int = 0,
    ) -> None:
        """Start a simulated second under ``effects``, with ``down`` services refusing connections,
        ``oom`` giving each service's chance that an allocation fails, ``queue_wait`` the seconds a
        request waits for CPU, ``exhausted`` the clients whose connection pool is empty (with the
        requests waiting), ``write_failure`` the share of writes failing on a full disk, and the
        ``arrivals`` the frontend is about to see (above its capacity it sheds the excess)."""
        self._effects = effects
        self._queue = queue_wait or {}
        self._exhausted = exhausted or {}
        self._write_failure = write_failure or {}
        self._offered = arrivals
        self._shed = max(0.0, 1.0 - FRONTEND_CAPACITY_RPS / arrivals) if arrivals else 0.0
        self.writes = 0
        self.rejected = 0
        for client in DB_CLIENTS:
            self.db_busy[client] = 0.0
            self.pool_timeouts[client] = 0
        self._knobs = effects.services
        self._down = down
        self._oom = oom
        self._heap = heap_mb
        for service in SERVICES:
            self._budget[service] = LOG_BUDGET
            self._suppressed[service] = 0
            self.handled[service] = 0
            self.leaked[service] = 0.0

    def finish(self, ts: float) -> None:
        """Close the second: note how many WARN/ERROR lines each service's rate limit swallowed."""
        for service in SERVICES:
            count = self._suppressed[service]
            if count:
                self._logs.append(
                    ts + 0.999,
                    service,
                    "WARN",
                    f"Log rate limit reached: suppressed {count} WARN/ERROR lines in the last "
                    f"second (limit {LOG_BUDGET}/s)",
                )
        if self.rejected:
            message = logtext.load_shedding(self._offered, FRONTEND_CAPACITY_RPS, self.rejected)
            self._logs.append(ts + 0.999, FRONTEND, "WARN", message)

    def _reject(self, rid: int) -> None:
        """The frontend is over capacity: answer 503 at once (load shedding, traffic_surge)."""
        self.rejected += 1
        self.handled[FRONTEND] += 1
        codes = self._t.requests[FRONTEND]
        codes[503] = codes.get(503, 0) + 1
        self._t.latency[FRONTEND].observe(0.0005 + 0.001 * self._rng.random())

    # --- plumbing -------------------------------------------------------------------------------

    def _work(self, route: Route) -> float:
        """Own work time of one handler run, seconds (lognormal)."""
        return math.exp(route.mu + route.sigma * self._rng.gauss(0.0, 1.0))

    def _admit(self, service: str) -> bool:
        """Whether ``service`` may write another WARN/ERROR line this second."""
        left = self._budget[service]
        if left <= 0:
            self._suppressed[service] += 1
            return False
        self._budget[service] = left - 1
        return True

    def _log(self, service: str, level: str, message: str, route: Route, rid: int) -> None:
        attrs = {"trace_id": logtext.trace_id(rid), "route": route.name}
        self._logs.append(self._now, service, level, message, attrs)

    def _serve(self, route: Route, body: Body, rid: int) -> tuple[int, float]:
        """Run ``body`` as ``route.service`` would: its faults, metrics and logs; (status, seconds)."""
        service = route.service
        rng = self._rng
        knobs = self._knobs.get(service)
        if knobs is None and service not in self._write_failure:
            status, own, down = body(route, rid)  # most requests: no fault acts on this service
        else:
            status, own, down = self._faulted(route, body, rid, knobs)
        oom = self._oom.get(service)
        if oom and status < 500 and rng.random() < oom:
            status = 500
            if self._admit(service):
                heap = self._heap.get(service, 0.0)
                message = logtext.out_of_memory(route, rid, heap, 0.5 + 4.0 * rng.random())
                self._log(service, "ERROR", message, route, rid)
        seconds = own + down
        queued = self._queue.get(service)
        if queued:  # waited for CPU before the handler ran (cpu_saturation); not the handler's own time
            seconds += queued * (0.7 + 0.6 * rng.random())
        codes = self._t.requests[service]
        codes[status] = codes.get(status, 0) + 1
        self._t.latency[service].observe(seconds)
        self.handled[service] += 1
        if own > SLOW_SECONDS and self._admit(service):
            self._log(service, "WARN", logtext.slow_request(route, rid, own), route, rid)
        if service in _ACCESS_LOGGED and status < 500:
            # Every 4xx is logged (within the budget); successes are sampled.
            logged = self._admit(service) if status >= 400 else rng.random() < ACCESS_SAMPLE
            if logged:
                self._access(route, rid, status, seconds)
        return status, seconds

    def _faulted(self, route: Route, body: Body, rid: int, knobs: ServiceEffects | None) -> tuple[int, float, float]:
        """``body`` under the faults acting on ``route.service``: (status, own seconds, downstream seconds)."""
        service = route.service
        rng = self._rng
        if knobs is not None and knobs.error_probability and rng.random() < knobs.error_probability:
            status, own, down = 500, self._work(route), 0.0
            if self._admit(service):
                self._log(service, "ERROR", logtext.unhandled_exception(route, rid), route, rid)
        elif knobs is not None and knobs.deploy_error_probability and rng.random() < knobs.deploy_error_probability:
            status, own, down = 500, self._work(route), 0.0
            if self._admit(service):
                message = logtext.deploy_exception(route, rid, VERSIONS[service][1])
                self._log(service, "ERROR", message, route, rid)
        elif service in self._write_failure and route.method == "POST" and rng.random() < self._write_failure[service]:
            status, own, down = 500, self._work(route), 0.0  # the handler could not write to its full disk
            if self._admit(service):
                self._log(service, "ERROR", logtext.local_disk_full(route, rid), route, rid)
        else:
            status, own, down = body(route, rid)
        if knobs is not None:
            if knobs.delay_probability and rng.random() < knobs.delay_probability:
                low, high = knobs.delay_seconds
                own += low + (high - low) * rng.random()
            self.leaked[service] += knobs.leak_bytes_per_request
        return status, own, down

    def _access(self, route: Route, rid: int, status: int, seconds: float) -> None:
        peer = logtext.client_ip(rid) if route.service == FRONTEND else _PEERS[FRONTEND]
        message = logtext.access(route, rid, status, seconds, peer)
        self._log(route.service, "INFO", message, route, rid)

    def _call(self, origin: Route, route: Route, body: Body, rid: int) -> tuple[int, float]:
        """``origin``'s handler calls ``route``: (callee status or REFUSED, seconds incl. network)."""
        caller, callee = origin.service, route.service
        counts = self._t.dependency[(caller, callee)]
        if callee in self._down:
            counts[1] += 1
            if self._admit(caller):
                message = logtext.connection_refused(callee, _ADDRESSES[callee], rid)
                self._log(caller, "ERROR", message, origin, rid)
            return REFUSED, HOP_SECONDS
        failing = self._effects.cache_failure_probability if callee == CACHE else 0.0
        if failing and self._rng.random() < failing:  # the cache does not answer in time
            counts[1] += 1
            if self._admit(caller):
                message = logtext.cache_unavailable(route, rid, _CACHE_ADDRESS, CACHE_TIMEOUT_SECONDS)
                self._log(caller, "WARN", message, origin, rid)
            return TIMED_OUT, CACHE_TIMEOUT_SECONDS
        status, seconds = self._serve(route, body, rid)
        seconds += HOP_SECONDS
        if status >= 500:
            counts[1] += 1
            if callee != POSTGRES and self._admit(caller):
                message = logtext.call_failed(route, rid, status, seconds)
                self._log(caller, "ERROR", message, origin, rid)
        else:
            counts[0] += 1
            if seconds > SLOW_SECONDS and callee != POSTGRES and self._admit(caller):
                self._log(caller, "WARN", logtext.slow_call(route, rid, seconds), origin, rid)
        return status, seconds
