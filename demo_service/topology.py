"""The shop's services, who calls whom, and each service's resting resource profile."""

from __future__ import annotations

from dataclasses import dataclass

FRONTEND = "frontend"
CATALOG = "catalog"
CHECKOUT = "checkout"
PAYMENTS = "payments"
POSTGRES = "postgres"
CACHE = "cache"
GATEWAY = "payment-gateway"

#: Services that run inside the shop and export metrics, in a fixed order.
SERVICES: tuple[str, ...] = (FRONTEND, CATALOG, CHECKOUT, PAYMENTS, POSTGRES, CACHE)

#: Third-party dependencies: no metrics of their own, only seen through their callers.
EXTERNAL: tuple[str, ...] = (GATEWAY,)

#: (caller, callee) pairs, in a fixed order.
EDGES: tuple[tuple[str, str], ...] = (
    (FRONTEND, CATALOG),
    (FRONTEND, CHECKOUT),
    (FRONTEND, CACHE),
    (CATALOG, POSTGRES),
    (CATALOG, CACHE),
    (CHECKOUT, POSTGRES),
    (CHECKOUT, PAYMENTS),
    (PAYMENTS, GATEWAY),
)

#: Address the payments service dials for the external gateway (TEST-NET-3, never routable).
GATEWAY_ADDRESS = "203.0.113.10:443"

#: Memory limit of every container, in MB; the process is OOM-killed when it reaches it.
MEMORY_LIMIT_MB = 1024.0

#: CPU limit of every container (cgroup cpu.max), in cores; demand above it queues.
CPU_LIMIT_CORES = 1.0

#: Size of each service's data volume and how full it is at rest, in GiB.
DISK_SIZE_GIB: dict[str, float] = {
    FRONTEND: 20.0,
    CATALOG: 20.0,
    CHECKOUT: 20.0,
    PAYMENTS: 20.0,
    POSTGRES: 100.0,
    CACHE: 20.0,
}
DISK_USED_GIB: dict[str, float] = {
    FRONTEND: 14.1,
    CATALOG: 12.2,
    CHECKOUT: 13.6,
    PAYMENTS: 12.9,
    POSTGRES: 58.4,
    CACHE: 4.3,
}

#: Size of the postgres connection pool of each service that queries the database.
DB_POOL_SIZE = 10

#: Version each application service runs before any deploy, and the one a bad deploy rolls out.
VERSIONS: dict[str, tuple[str, str]] = {
    FRONTEND: ("3.14.2", "3.15.0"),
    CATALOG: ("2.7.0", "2.8.0"),
    CHECKOUT: ("1.22.4", "1.23.0"),
    PAYMENTS: ("4.3.1", "4.4.0"),
}


@dataclass(frozen=True, slots=True)
class ProcessProfile:
    """Resting resources of one service: memory in MB, CPU in core-seconds per second or request."""

    base_memory_mb: float
    gc_amplitude_mb: float  # heap garbage collected in one sawtooth cycle
    alloc_kb_per_request: float  # garbage allocated per request, feeding the sawtooth
    idle_cpu: float  # core-seconds per simulated second with no traffic
    cpu_per_request: float  # core-seconds per request handled


PROFILES: dict[str, ProcessProfile] = {
    FRONTEND: ProcessProfile(205.0, 22.0, 3.0, 0.045, 0.0016),
    CATALOG: ProcessProfile(235.0, 18.0, 4.0, 0.045, 0.0020),
    CHECKOUT: ProcessProfile(215.0, 20.0, 5.0, 0.045, 0.0025),
    PAYMENTS: ProcessProfile(180.0, 12.0, 8.0, 0.05, 0.0040),
    POSTGRES: ProcessProfile(280.0, 10.0, 1.0, 0.06, 0.0012),
    CACHE: ProcessProfile(170.0, 8.0, 0.5, 0.05, 0.0002),
}


def topology_document() -> dict[str, list]:
    """The ``GET /topology`` body: internal services, (caller, callee) edges, external names."""
    return {
        "services": list(SERVICES),
        "edges": [list(edge) for edge in EDGES],
        "external": list(EXTERNAL),
    }
