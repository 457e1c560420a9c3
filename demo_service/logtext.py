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
