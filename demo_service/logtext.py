"""Log message templates and the ids in them, derived from a request number so they cost nothing
until a line is actually written."""

from __future__ import annotations

from demo_service.routes import K_CART_ADD, Route
from demo_service.topology import CATALOG, CHECKOUT, FRONTEND, MEMORY_LIMIT_MB, PAYMENTS

_MASK = (1 << 64) - 1
_SEARCH_TERMS = ("shoes", "rain jacket", "usb-c cable", "coffee", "backpack", "lamp", "socks")
_ASSETS = ("js/app.3f9a1c.js", "css/main.77b2e0.css", "img/logo.svg", "img/hero.webp")
_MISSING_ASSETS = ("img/banner-old.png", "js/legacy.min.js", "favicon-32.png")


def mix(value: int) -> int:
    """A 64-bit hash of ``value`` (splitmix64 finaliser): deterministic, spread over all bits."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def trace_id(rid: int) -> str:
    """The trace id of request ``rid``: 16 hex digits shared by every service on its path."""
    return f"{mix(rid):016x}"


def client_ip(rid: int) -> str:
    """The shopper's address for request ``rid`` (carrier-grade NAT range 100.64.0.0/10)."""
    h = mix(rid ^ 0x1F)
    return f"100.{64 + (h & 63)}.{(h >> 8) & 255}.{(h >> 16) & 255}"


def product_id(rid: int) -> int:
    """The product that request ``rid`` looks at, 1000..9999."""
    return 1000 + mix(rid ^ 0x2E) % 9000


def order_id(rid: int) -> str:
    """The order placed by request ``rid``."""
    return f"ord_{mix(rid ^ 0x3D) & 0xFFFFFFFFFF:010x}"


def path(route: Route, rid: int, missing: bool = False) -> str:
    """The concrete path (or SQL text) of ``route`` for request ``rid``."""
    template = route.path
    if "{" not in template:
        return template
    h = mix(rid ^ 0x4C)
    assets = _MISSING_ASSETS if missing else _ASSETS
    return template.format(
        id=product_id(rid),
        query=_SEARCH_TERMS[h % len(_SEARCH_TERMS)].replace(" ", "+"),
        cart=f"c_{h & 0xFFFFFF:06x}",
        session=f"{h & 0xFFFFFFFF:08x}",
        asset=assets[(h >> 40) % len(assets)],
    )


def access(route: Route, rid: int, status: int, seconds: float, peer: str) -> str:
    """Access line: ``GET /api/products/1234 200 37ms ip=10.1.2.3 trace_id=...``."""
    where = path(route, rid, missing=status == 404)
    return f"{route.method} {where} {status} {seconds * 1000:.0f}ms ip={peer} trace_id={trace_id(rid)}"


def slow_request(route: Route, rid: int, seconds: float) -> str:
    """WARN when a handler's own work exceeds one second (latency_spike)."""
    return (
        f"Slow request {route.method} {path(route, rid)} took {seconds * 1000:.0f} ms "
        f"(threshold 1000 ms) trace_id={trace_id(rid)}"
    )


def slow_call(callee: Route, rid: int, seconds: float) -> str:
    """WARN in a caller when one downstream call took over a second."""
    return (
        f"Call to {callee.service} took {seconds * 1000:.0f} ms "
        f"({callee.method} {path(callee, rid)}, budget 1000 ms) trace_id={trace_id(rid)}"
    )


def call_failed(callee: Route, rid: int, status: int, seconds: float) -> str:
    """ERROR in a caller when a downstream call answered 5xx."""
    return (
        f"Call to {callee.service} failed: {callee.method} {path(callee, rid)} answered {status} "
        f"after {seconds * 1000:.0f} ms trace_id={trace_id(rid)}"
    )


def connection_refused(callee: str, address: str, rid: int) -> str:
    """ERROR in a caller when the callee's process is down (restarting)."""
    return f"Connection refused calling {callee} ({address}) trace_id={trace_id(rid)}"


def gateway_connect_error(address: str, timeout_s: float, rid: int) -> str:
    """ERROR in payments when the payment gateway cannot be reached (dependency_down)."""
    return (
        f"Connection error calling payment-gateway ({address}): connect timeout after "
        f"{timeout_s * 1000:.0f} ms trace_id={trace_id(rid)}"
    )


def gateway_unavailable(rid: int) -> str:
    """WARN (then retried) or ERROR in payments when the gateway answered 503 (rare noise)."""
    request = f"req_{mix(rid ^ 0x5B) & 0xFFFFFFFFFFFF:012x}"
    return (
        f"payment-gateway returned 503 Service Unavailable for POST /v1/charges "
        f"(request_id={request}) trace_id={trace_id(rid)}"
    )


def payment_declined(rid: int) -> str:
    """INFO in payments for a declined card (answered 200 with status declined)."""
    h = mix(rid ^ 0x6A)
    reason = ("insufficient_funds", "card_expired", "do_not_honor")[h % 3]
    return f"Payment declined for order {order_id(rid)}: {reason} (card ****{h % 10000:04d}) trace_id={trace_id(rid)}"


def cart_conflict(rid: int) -> str:
    """WARN in checkout for a concurrent cart update (answered 409)."""
    version = 2 + mix(rid ^ 0x79) % 40
    return (
        f"Cart update conflict for {path(K_CART_ADD, rid)} (version {version} != {version + 1}); "
        f"client must retry trace_id={trace_id(rid)}"
    )


def postgres_slow_query(sql: str, seconds: float) -> str:
    """WARN from postgres for a statement over 500 ms (db_slow)."""
    return f"duration: {seconds * 1000:.1f} ms  statement: {sql} (slow query, threshold 500 ms)"


def client_slow_query(sql: str, seconds: float, rid: int) -> str:
    """WARN in catalog or checkout when one of its queries took over a second."""
    return f"Slow database query took {seconds * 1000:.0f} ms on postgres: {sql} trace_id={trace_id(rid)}"


def postgres_deadlock(sql: str, rid: int) -> str:
    """ERROR from postgres for a deadlock (rare background noise)."""
    h = mix(rid ^ 0x88)
    return (
        f"ERROR:  deadlock detected\nDETAIL:  Process {4000 + h % 900} waits for ShareLock on "
        f"transaction {700000 + h % 90000}; blocked by process {4000 + (h >> 20) % 900}.\n"
        f"STATEMENT:  {sql}"
    )


def client_database_error(route: Route, rid: int) -> str:
    """ERROR in catalog or checkout when a query failed."""
    return (
        f"Database error in {route.method} {path(route, rid)}: DeadlockDetected: deadlock detected "
        f"(sqlstate 40P01) trace_id={trace_id(rid)}"
    )


_EXCEPTIONS: dict[str, tuple[str, str, str]] = {
    FRONTEND: (
        "TypeError",
        "'NoneType' object is not subscriptable",
        '  File "/app/frontend/views.py", line 212, in render_page\n'
        "    context = build_context(request, session)\n"
        '  File "/app/frontend/context.py", line 64, in build_context\n'
        '    "recommendations": session["recommendations"][:4],',
    ),
    CATALOG: (
        "KeyError",
        "'price_cents'",
        '  File "/app/catalog/api.py", line 88, in get_product\n'
        "    return serialize(product)\n"
        '  File "/app/catalog/serializers.py", line 41, in serialize\n'
        '    "price": product["price_cents"] / 100,',
    ),
    CHECKOUT: (
        "RuntimeError",
        "order total mismatch: cart total 59.90 != computed total 0.00",
        '  File "/app/checkout/orders.py", line 143, in place_order\n'
        "    total = pricing.total(cart, promotions)\n"
        '  File "/app/checkout/pricing.py", line 77, in total\n'
        '    raise RuntimeError(f"order total mismatch: cart total {cart.total} != computed total {t}")',
    ),
    PAYMENTS: (
        "ValueError",
        "invalid literal for Decimal: ''",
        '  File "/app/payments/charges.py", line 58, in create_charge\n'
        '    amount = parse_amount(body["amount"])\n'
        '  File "/app/payments/money.py", line 19, in parse_amount\n'
        "    return Decimal(text)",
    ),
}


def unhandled_exception(route: Route, rid: int) -> str:
    """ERROR with a stack trace when a handler raises (error_rate)."""
    exc_type, text, frames = _EXCEPTIONS.get(route.service, _EXCEPTIONS[FRONTEND])
    return (
        f"Unhandled exception in {route.method} {path(route, rid)} trace_id={trace_id(rid)}: "
        f"{exc_type}: {text}\nTraceback (most recent call last):\n{frames}\n{exc_type}: {text}"
    )


def gc_pressure(pause_ms: float, heap_mb: float) -> str:
    """WARN when a collection pauses long because the heap keeps growing (memory_leak)."""
    return f"GC pause {pause_ms:.0f} ms, heap {heap_mb:.0f} MB"


def out_of_memory(route: Route, rid: int, heap_mb: float, request_mb: float) -> str:
    """ERROR when an allocation fails above 90 % of the memory limit (memory_leak)."""
    return (
        f"OutOfMemoryError: failed to allocate {request_mb:.1f} MB in {route.method} "
        f"{path(route, rid)}: heap {heap_mb:.0f} MB of {MEMORY_LIMIT_MB:.0f} MB limit "
        f"trace_id={trace_id(rid)}"
    )


def oom_killed(service: str, pid: int, heap_mb: float) -> str:
    """ERROR when the process reaches the memory limit and is killed."""
    return (
        f"Process {service} (pid {pid}) killed by the OOM killer: resident memory {heap_mb:.0f} MB "
        f"reached the {MEMORY_LIMIT_MB:.0f} MB limit; restarting"
    )


def gc_collected(freed_mb: float, pause_ms: float) -> str:
    """DEBUG for an ordinary garbage collection."""
    return f"gc: generation 2 collection freed {freed_mb:.1f} MB in {pause_ms:.0f} ms"


# --- the fault kinds of issue 3 -------------------------------------------------------------------


def deployed(service: str, version: str, previous: str, rollback: bool) -> str:
    """INFO when a new version of ``service`` is rolled out (bad_deploy) or rolled back (fault over)."""
    what = "Rolled back" if rollback else "Deployed"
    return (
        f"{what} {service} to version {version} (previous {previous}): rolling update complete, "
        f"image registry.shop.internal/{service}:{version}"
    )


def started(service: str, version: str, pid: int) -> str:
    """INFO from the new process after a deploy."""
    return f"Starting {service} version {version} (pid {pid}); ready to accept connections on :8080"


_DEPLOY_EXCEPTIONS: dict[str, tuple[str, str, str]] = {
    FRONTEND: (
        "AttributeError",
        "'CartSummary' object has no attribute 'currency_code'",
        '  File "/app/frontend/views.py", line 231, in render_page\n'
        "    header = render_header(request, cart)\n"
        '  File "/app/frontend/header.py", line 18, in render_header\n'
        '    return f"{cart.total:.2f} {cart.currency_code}"',
    ),
    CATALOG: (
        "TypeError",
        "unsupported operand type(s) for *: 'NoneType' and 'Decimal'",
        '  File "/app/catalog/api.py", line 97, in get_product\n'
        "    return serialize(product, pricing)\n"
        '  File "/app/catalog/pricing.py", line 33, in discounted\n'
        "    return product.discount_rate * price",
    ),
    CHECKOUT: (
        "KeyError",
        "'shipping_method'",
        '  File "/app/checkout/orders.py", line 151, in place_order\n'
        "    quote = shipping.quote(cart, address)\n"
        '  File "/app/checkout/shipping.py", line 42, in quote\n'
        '    method = SHIPPING_METHODS[cart.meta["shipping_method"]]',
    ),
    PAYMENTS: (
        "pydantic.ValidationError",
        "1 validation error for ChargeRequest: idempotency_key field required",
        '  File "/app/payments/charges.py", line 64, in create_charge\n'
        "    request = ChargeRequest.model_validate(body)\n"
        '  File "/app/payments/models.py", line 12, in ChargeRequest\n'
        "    idempotency_key: str",
    ),
}


def deploy_exception(route: Route, rid: int, version: str) -> str:
    """ERROR with a stack trace naming the version when the badly deployed code raises (bad_deploy)."""
    exc_type, text, frames = _DEPLOY_EXCEPTIONS.get(route.service, _DEPLOY_EXCEPTIONS[FRONTEND])
    return (
        f"Unhandled exception in {route.method} {path(route, rid)} (version {version}) trace_id={trace_id(rid)}: "
        f"{exc_type}: {text}\nTraceback (most recent call last):\n{frames}\n{exc_type}: {text}"
    )


def cpu_throttled(demand_cores: float, limit_cores: float, wait_s: float) -> str:
    """WARN while a container's CPU demand exceeds its limit (cpu_saturation)."""
    return (
        f"CPU throttled: demand {demand_cores:.2f} cores exceeds the {limit_cores:.2f}-core limit (cgroup cpu.max); "
        f"requests wait {wait_s * 1000:.0f} ms for a worker; busiest thread worker-3 at 99% CPU"
    )


def pool_timeout(pool_size: int, in_use: int, waiting: int, timeout_s: float, rid: int) -> str:
    """ERROR when a query could not get a database connection in time (connection_pool_exhaustion)."""
    return (
        f"sqlalchemy.exc.TimeoutError: timed out waiting for a connection from pool 'postgres' "
        f"(size {pool_size}, in use {in_use}, waiting {waiting}) after {timeout_s * 1000:.0f} ms "
        f"trace_id={trace_id(rid)}"
    )


def pool_leak(pool_size: int, leaked: int, held_s: float) -> str:
    """WARN from the pool's leak detector while connections are checked out and never returned."""
    return (
        f"Connection leak detection triggered: {leaked} of {pool_size} connections of pool 'postgres' checked "
        f"out for more than {held_s:.0f} s without being returned (leak_detection_threshold 10 s)"
    )


def cache_unavailable(key: Route, rid: int, address: str, timeout_s: float) -> str:
    """WARN in a cache client when a call times out and it falls back (cache_failure)."""
    return (
        f"Cache unavailable for GET {path(key, rid)}: TimeoutError: Timeout reading from {address} after "
        f"{timeout_s * 1000:.0f} ms; falling back to database trace_id={trace_id(rid)}"
    )


def temp_file(pid: int, number: int, size_bytes: int) -> str:
    """Postgres' log_temp_files line while a runaway query spills to disk (disk_full)."""
    return f'temporary file: path "base/pgsql_tmp/pgsql_tmp{pid}.{number}", size {size_bytes}'


def disk_full(sql: str, rid: int) -> str:
    """ERROR from postgres when a write cannot extend a relation file (disk_full)."""
    relation = 16384 + mix(rid ^ 0x97) % 900
    return (
        f'ERROR:  could not extend file "base/16384/{relation}": No space left on device\n'
        f"HINT:  Check free disk space.\nSTATEMENT:  {sql}"
    )


def client_disk_full(route: Route, rid: int) -> str:
    """ERROR in checkout when a write failed because postgres' disk is full."""
    return (
        f"Database error in {route.method} {path(route, rid)}: DiskFull: could not extend file: "
        f"No space left on device (sqlstate 53100) trace_id={trace_id(rid)}"
    )


def load_shedding(offered: int, capacity: float, shed: int) -> str:
    """WARN from the frontend each second it rejects requests above its capacity (traffic_surge)."""
    return (
        f"Load shedding: {offered} requests arrived in the last second, above the capacity of {capacity:.0f} req/s; "
        f"rejected {shed} with 503 Service Unavailable (Retry-After: 5)"
    )


def volume_full(service: str, size_gib: float) -> str:
    """ERROR once when a data volume reaches 100 % (disk_full)."""
    if service == "postgres":
        where = 'could not write to file "base/pgsql_tmp"'
        mount = "/var/lib/postgresql/data"
    else:
        where = f"--- Logging error --- OSError: [Errno 28] writing /data/log/{service}-debug.log"
        mount = "/data"
    return f"{where}: No space left on device ({mount}: {size_gib:.0f} GiB, 100% used)"


def space_freed(service: str, freed_gib: float) -> str:
    """INFO when the filler is gone (disk_full over): the query cancelled, or the debug log rotated away."""
    if service == "postgres":
        return f"canceling statement due to user request; removed temporary files, {freed_gib:.1f} GiB freed"
    return f"logrotate: removed /data/log/{service}-debug.log.1 ({freed_gib:.1f} GiB); debug logging disabled"


def local_disk_full(route: Route, rid: int) -> str:
    """ERROR when a handler cannot write its local spool file because its volume is full (disk_full)."""
    return (
        f"Failed to write spool file for {route.method} {path(route, rid)}: OSError: [Errno 28] No space left on "
        f"device: '/data/spool/{trace_id(rid)}.json' trace_id={trace_id(rid)}"
    )
