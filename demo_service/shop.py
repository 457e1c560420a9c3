"""The shop's code paths: each handler does its own work, calls its dependencies and answers a status.

A request is simulated, not served: every handler returns ``(status, own seconds, downstream
seconds)``, ``_serve`` wraps it like middleware (faults of that service, metrics, access and slow
logs) and ``_call`` is the client side (dependency counters, connection errors, slow-call logs).
Failures and delays propagate to callers through those return values, as in real code.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from demo_service import logtext, routes
from demo_service.effects import Effects, ServiceEffects
from demo_service.logbuffer import LogBuffer
from demo_service.routes import Route
from demo_service.telemetry import DB_CLIENTS, Telemetry
from demo_service.topology import (
    CACHE,
    CATALOG,
    CHECKOUT,
    DB_POOL_SIZE,
    FRONTEND,
    GATEWAY,
    GATEWAY_ADDRESS,
    PAYMENTS,
    POSTGRES,
    SERVICES,
    VERSIONS,
)

SLOW_SECONDS = 1.0  # handlers and clients log WARN above this
SLOW_QUERY_SECONDS = 0.5  # postgres logs statements above this
HOP_SECONDS = 0.0004  # network round trip between two pods
ACCESS_SAMPLE = 0.05  # share of successful requests written to the access log
LOG_BUDGET = 50  # WARN and ERROR lines per service per simulated second; the rest are counted
REFUSED = 0  # status of a call whose callee process is down
TIMED_OUT = 504  # status a client records for a call that timed out without an answer
CACHE_TIMEOUT_SECONDS = 1.0  # the cache client's socket timeout
POOL_TIMEOUT_SECONDS = 2.0  # how long a query waits for a pooled connection (as in resources.py)
FRONTEND_CAPACITY_RPS = 120.0  # the frontend admits this many requests per second, 1.8 x the daily peak
_WRITE_SQL = frozenset(r.path for r in (routes.Q_CART_ADD, routes.Q_ORDER, routes.Q_STOCK, routes.Q_PAID))

# Rare background noise, per request or query; small enough that a 5 % error-rate rule over 10 s
# never fires on the quietest service at the quietest hour.
DEADLOCK_PROBABILITY = 1e-5
GATEWAY_5XX_PROBABILITY = 3e-6
DECLINE_PROBABILITY = 0.004
CART_CONFLICT_PROBABILITY = 0.0015
PRODUCT_NOT_FOUND_PROBABILITY = 0.004
MISSING_ASSET_PROBABILITY = 0.1
EMPTY_SEARCH_PROBABILITY = 0.003

_ACCESS_LOGGED = frozenset({FRONTEND, CATALOG, CHECKOUT, PAYMENTS})
_PEERS = {FRONTEND: "10.0.1.17", CATALOG: "10.0.2.23", CHECKOUT: "10.0.3.12", PAYMENTS: "10.0.4.8"}
_ADDRESSES = {name: f"10.0.{i + 1}.{20 + i}:8080" for i, name in enumerate(SERVICES)}
_CACHE_ADDRESS = "cache:6379"

Body = Callable[[Route, int], tuple[int, float, float]]


def _upstream(status: int, ok: int = 200) -> int:
    """What a caller answers after a dependency answered ``status``."""
    if status == REFUSED:
        return 503
    if status >= 500:
        return 502
    if status >= 400:
        return status
    return ok


class Shop:
    """Simulates requests through the shop's services. Not thread-safe: the simulation holds a lock."""

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

    def request(self, rid: int, ts: float) -> None:
        """Simulate one shopper's request ``rid`` arriving at the frontend at ``ts``."""
        self._now = ts
        if FRONTEND in self._down:  # nobody counts requests to a dead frontend; they are lost
            return
        if self._shed and self._rng.random() < self._shed:
            self._reject(rid)
            return
        draw = self._rng.random()
        if draw < 0.22:
            self._serve(routes.F_HOME, self._home, rid)
        elif draw < 0.50:
            self._serve(routes.F_PRODUCT, self._product, rid)
        elif draw < 0.58:
            self._serve(routes.F_SEARCH, self._search, rid)
        elif draw < 0.73:
            self._serve(routes.F_CART_VIEW, self._cart, rid)
        elif draw < 0.88:
            self._serve(routes.F_CART_ADD, self._cart, rid)
        elif draw < 0.98:
            self._serve(routes.F_CHECKOUT, self._checkout, rid)
        else:
            self._serve(routes.F_STATIC, self._static, rid)

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

    def _query(self, origin: Route, statement: Route, rid: int) -> tuple[int, float]:
        """``origin``'s handler runs one postgres statement: (status, seconds as the client saw)."""
        caller = origin.service
        waiting = self._exhausted.get(caller)
        if waiting:  # no pooled connection comes free before the pool timeout
            self.pool_timeouts[caller] += 1
            self._t.pool_timeouts[caller] += 1
            if self._admit(caller):
                message = logtext.pool_timeout(DB_POOL_SIZE, DB_POOL_SIZE, waiting, POOL_TIMEOUT_SECONDS, rid)
                self._log(caller, "ERROR", message, origin, rid)
            return 500, POOL_TIMEOUT_SECONDS
        status, seconds = self._call(origin, statement, self._postgres, rid)
        self._t.db_query[caller].observe(seconds)
        self.db_busy[caller] += seconds
        if status != 200:
            if self._admit(caller):
                if self._db_error == "disk_full":
                    message = logtext.client_disk_full(origin, rid)
                else:
                    message = logtext.client_database_error(origin, rid)
                self._log(caller, "ERROR", message, origin, rid)
        elif seconds > SLOW_SECONDS and self._admit(caller):
            message = logtext.client_slow_query(statement.path, seconds, rid)
            self._log(caller, "WARN", message, origin, rid)
        return status, seconds

    def _queries(self, origin: Route, statements: tuple[Route, ...], rid: int) -> tuple[int, float]:
        """Run statements in order, stopping at the first failure: (status, total seconds)."""
        total = 0.0
        for statement in statements:
            status, seconds = self._query(origin, statement, rid)
            total += seconds
            if status != 200:
                return status, total
        return 200, total

    # --- frontend -------------------------------------------------------------------------------

    def _session(self, origin: Route, rid: int) -> float:
        """Look the shopper's session up in the cache; a cache failure only costs time."""
        status, seconds = self._call(origin, routes.CA_SESSION, self._cache, rid)
        self._t.cache_lookups[origin.service][0 if status == 200 else 1] += 1
        return seconds

    def _home(self, route: Route, rid: int) -> tuple[int, float, float]:
        down = self._session(route, rid)
        status, seconds = self._call(route, routes.C_FEATURED, self._featured, rid)
        return _upstream(status), self._work(route), down + seconds

    def _product(self, route: Route, rid: int) -> tuple[int, float, float]:
        down = self._session(route, rid)
        cached, seconds = self._call(route, routes.CA_PAGE, self._cache, rid)
        down += seconds
        status = 200
        miss = cached != 200 or self._rng.random() < 0.5  # half the product pages are not cached
        self._t.cache_lookups[FRONTEND][1 if miss else 0] += 1
        if miss:
            status, seconds = self._call(route, routes.C_PRODUCT, self._catalog_product, rid)
            down += seconds
        return _upstream(status), self._work(route), down

    def _search(self, route: Route, rid: int) -> tuple[int, float, float]:
        down = self._session(route, rid)
        if self._rng.random() < EMPTY_SEARCH_PROBABILITY:
            return 400, self._work(route), down
        status, seconds = self._call(route, routes.C_SEARCH, self._catalog_search, rid)
        return _upstream(status), self._work(route), down + seconds

    def _cart(self, route: Route, rid: int) -> tuple[int, float, float]:
        down = self._session(route, rid)
        if route is routes.F_CART_ADD:
            status, seconds = self._call(route, routes.K_CART_ADD, self._cart_add, rid)
            return _upstream(status, 201), self._work(route), down + seconds
        status, seconds = self._call(route, routes.K_CART_VIEW, self._cart_view, rid)
        return _upstream(status), self._work(route), down + seconds

    def _checkout(self, route: Route, rid: int) -> tuple[int, float, float]:
        down = self._session(route, rid)
        status, seconds = self._call(route, routes.K_ORDER, self._order, rid)
        return _upstream(status, 201), self._work(route), down + seconds

    def _static(self, route: Route, rid: int) -> tuple[int, float, float]:
        status = 404 if self._rng.random() < MISSING_ASSET_PROBABILITY else 200
        return status, self._work(route), 0.0

    # --- catalog --------------------------------------------------------------------------------

    def _featured(self, route: Route, rid: int) -> tuple[int, float, float]:
        cached, down = self._call(route, routes.CA_FEATURED, self._cache, rid)
        status = 200
        miss = cached != 200 or self._rng.random() < 0.2  # the featured list expires often
        self._t.cache_lookups[CATALOG][1 if miss else 0] += 1
        if miss:
            status, seconds = self._query(route, routes.Q_FEATURED, rid)
            down += seconds
        return (200 if status == 200 else 500), self._work(route), down

    def _catalog_product(self, route: Route, rid: int) -> tuple[int, float, float]:
        status, down = self._query(route, routes.Q_PRODUCT, rid)
        if status != 200:
            return 500, self._work(route), down
        if self._rng.random() < PRODUCT_NOT_FOUND_PROBABILITY:
            return 404, self._work(route), down
        return 200, self._work(route), down

    def _catalog_search(self, route: Route, rid: int) -> tuple[int, float, float]:
        status, down = self._query(route, routes.Q_SEARCH, rid)
        return (200 if status == 200 else 500), self._work(route), down

    # --- checkout -------------------------------------------------------------------------------

    def _cart_view(self, route: Route, rid: int) -> tuple[int, float, float]:
        status, down = self._query(route, routes.Q_CART, rid)
        return (200 if status == 200 else 500), self._work(route), down

    def _cart_add(self, route: Route, rid: int) -> tuple[int, float, float]:
        status, down = self._query(route, routes.Q_CART_ADD, rid)
        if status != 200:
            return 500, self._work(route), down
        if self._rng.random() < CART_CONFLICT_PROBABILITY:
            if self._admit(CHECKOUT):
                self._log(CHECKOUT, "WARN", logtext.cart_conflict(rid), route, rid)
            return 409, self._work(route), down
        return 201, self._work(route), down

    def _order(self, route: Route, rid: int) -> tuple[int, float, float]:
        status, down = self._queries(route, (routes.Q_CART, routes.Q_ORDER, routes.Q_STOCK), rid)
        if status != 200:
            return 500, self._work(route), down
        paid, seconds = self._call(route, routes.P_CHARGE, self._charge, rid)
        down += seconds
        if paid != 200:
            return _upstream(paid), self._work(route), down
        status, seconds = self._query(route, routes.Q_PAID, rid)
        return (201 if status == 200 else 500), self._work(route), down + seconds

    # --- payments, payment gateway, postgres, cache -----------------------------------------------

    def _charge(self, route: Route, rid: int) -> tuple[int, float, float]:
        rng = self._rng
        counts = self._t.dependency[(PAYMENTS, GATEWAY)]
        failure = self._effects.gateway_failure_probability
        if failure and rng.random() < failure:
            counts[1] += 1
            timeout = self._effects.gateway_connect_timeout_seconds
            if self._admit(PAYMENTS):
                message = logtext.gateway_connect_error(GATEWAY_ADDRESS, timeout, rid)
                self._log(PAYMENTS, "ERROR", message, route, rid)
            return (503 if rng.random() < 0.7 else 502), self._work(route), timeout
        down = self._work(routes.G_CHARGE) + HOP_SECONDS
        if rng.random() < GATEWAY_5XX_PROBABILITY:  # a charge is idempotent: retry it once
            counts[1] += 1
            if self._admit(PAYMENTS):
                self._log(PAYMENTS, "WARN", logtext.gateway_unavailable(rid), route, rid)
            down += self._work(routes.G_CHARGE) + HOP_SECONDS
            if rng.random() < GATEWAY_5XX_PROBABILITY:
                counts[1] += 1
                if self._admit(PAYMENTS):
                    self._log(PAYMENTS, "ERROR", logtext.gateway_unavailable(rid), route, rid)
                return 502, self._work(route), down
        counts[0] += 1
        if rng.random() < DECLINE_PROBABILITY and self._admit(PAYMENTS):
            self._log(PAYMENTS, "INFO", logtext.payment_declined(rid), route, rid)
        return 200, self._work(route), down

    def _postgres(self, route: Route, rid: int) -> tuple[int, float, float]:
        rng = self._rng
        own = self._work(route)
        slow = self._effects.slow_query_probability
        if slow and rng.random() < slow:
            low, high = self._effects.slow_query_seconds
            own += low + (high - low) * rng.random()
        if own > SLOW_QUERY_SECONDS and self._admit(POSTGRES):
            message = logtext.postgres_slow_query(route.path, own)
            self._logs.append(self._now, POSTGRES, "WARN", message, None)
        if route.path in _WRITE_SQL:
            self.writes += 1
            full = self._write_failure.get(POSTGRES)
            if full and rng.random() < full:
                self._db_error = "disk_full"
                if self._admit(POSTGRES):
                    self._logs.append(self._now, POSTGRES, "ERROR", logtext.disk_full(route.path, rid), None)
                return 500, own, 0.0
        if rng.random() < DEADLOCK_PROBABILITY:
            self._db_error = "deadlock"
            if self._admit(POSTGRES):
                message = logtext.postgres_deadlock(route.path, rid)
                self._logs.append(self._now, POSTGRES, "ERROR", message, None)
            return 500, own, 0.0
        return 200, own, 0.0

    def _cache(self, route: Route, rid: int) -> tuple[int, float, float]:
        return 200, self._work(route), 0.0
