"""The shop's code paths: each handler does its own work, calls its dependencies and answers a status.

Handlers return ``(status, own seconds, downstream seconds)`` and run inside ``Pipeline`` (``pipeline``):
``_serve`` is the server middleware, ``_call`` the client, ``_query`` the database client on top of it.
Failures and delays propagate to callers through those return values, as in real code.
"""

from __future__ import annotations

from demo_service import logtext, routes
from demo_service.pipeline import HOP_SECONDS, REFUSED, SLOW_SECONDS, Pipeline
from demo_service.routes import Route
from demo_service.topology import (
    CATALOG,
    CHECKOUT,
    DB_POOL_SIZE,
    FRONTEND,
    GATEWAY,
    GATEWAY_ADDRESS,
    PAYMENTS,
    POSTGRES,
)

SLOW_QUERY_SECONDS = 0.5  # postgres logs statements above this
POOL_TIMEOUT_SECONDS = 2.0  # how long a query waits for a pooled connection (as in resources.py)
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


def _upstream(status: int, ok: int = 200) -> int:
    """What a caller answers after a dependency answered ``status``."""
    if status == REFUSED:
        return 503
    if status >= 500:
        return 502
    if status >= 400:
        return status
    return ok


class Shop(Pipeline):
    """Simulates requests through the shop's services: the frontend's request mix and every handler."""

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
