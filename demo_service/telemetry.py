"""The shop's Prometheus metrics: plain counters updated in the hot path, written out at each scrape.

Counting in plain lists and dicts keeps a request's bookkeeping to a few additions. The exposition is
written here rather than by prometheus_client's collector and ``generate_latest``: the same text, byte for
byte (tests compare the two), about five times faster, which matters when a simulation scrapes thousands of
times; and it has no ``_created`` wall-clock samples, so two runs with the same seed render identical text.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache

from prometheus_client.utils import floatToGoString

from demo_service.topology import CATALOG, CHECKOUT, CPU_LIMIT_CORES, DB_POOL_SIZE, EDGES, FRONTEND, SERVICES

#: Histogram bucket upper bounds, seconds.
BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0,
)  # fmt: skip
_BUCKET_LABELS: tuple[str, ...] = (*(floatToGoString(b) for b in BUCKETS), "+Inf")

#: Services that query postgres and export ``shop_db_query_duration_seconds``.
DB_CLIENTS: tuple[str, ...] = (CATALOG, CHECKOUT)

#: Services that look keys up in the cache and export ``shop_cache_requests_total``.
CACHE_CLIENTS: tuple[str, ...] = (FRONTEND, CATALOG)


class Histogram:
    """Bucket counts (non-cumulative, last one is +Inf) and the sum of observed values in seconds."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        """Count one observation of ``seconds``."""
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, float]]:
        """(le, cumulative count) pairs in bucket order, ending with +Inf."""
        running = 0
        pairs = []
        for label, count in zip(_BUCKET_LABELS, self.counts, strict=True):
            running += count
            pairs.append((label, float(running)))
        return pairs


class Telemetry:
    """Every metric value of the shop. Callers hold the simulation lock while reading or writing."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[int, int]] = {s: {} for s in SERVICES}
        self.latency: dict[str, Histogram] = {s: Histogram() for s in SERVICES}
        self.db_query: dict[str, Histogram] = {s: Histogram() for s in DB_CLIENTS}
        self.dependency: dict[tuple[str, str], list[int]] = {e: [0, 0] for e in EDGES}
        self.cpu_seconds: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.memory_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.up: dict[str, float] = {s: 1.0 for s in SERVICES}
        self.cpu_limit_cores: dict[str, float] = {s: CPU_LIMIT_CORES for s in SERVICES}
        self.disk_size_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.disk_used_bytes: dict[str, float] = {s: 0.0 for s in SERVICES}
        self.pool_in_use: dict[str, float] = {s: 0.0 for s in DB_CLIENTS}
        self.pool_waiting: dict[str, float] = {s: 0.0 for s in DB_CLIENTS}
        self.pool_timeouts: dict[str, int] = {s: 0 for s in DB_CLIENTS}
        self.cache_lookups: dict[str, list[int]] = {s: [0, 0] for s in CACHE_CLIENTS}  # [hits, misses]

    def render(self) -> bytes:
        """The Prometheus text exposition (format 0.0.4) of every metric."""
        return _Exposition(self).text()


def _header(name: str, doc: str, kind: str) -> str:
    """The HELP and TYPE lines of one family, escaped as ``generate_latest`` escapes them."""
    doc = doc.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {doc}\n# TYPE {name} {kind}\n"


#: (label name, value) pairs of one sample.
Labels = tuple[tuple[str, str], ...]


@lru_cache(maxsize=4096)
def _prefix(name: str, labels: Labels) -> str:
    """``name{label="value",...} `` with the labels sorted by name and their values escaped."""
    pairs = ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(labels))
    return f"{name}{{{pairs}}} "


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class _Exposition:
    """Writes a ``Telemetry`` as the text ``generate_latest`` writes for the same metric families, byte for
    byte (tests compare them), without building sample objects or sorting label sets at every scrape."""

    def __init__(self, telemetry: Telemetry) -> None:
        self._t = telemetry
        self._out: list[str] = []

    def text(self) -> bytes:
        t = self._t
        self._requests()
        self._histogram("shop_request_duration_seconds", "Server-side request latency in seconds.", t.latency)
        self._histogram(
            "shop_db_query_duration_seconds",
            "Postgres query time in seconds, as seen by the querying service.",
            t.db_query,
        )
        self._dependencies()
        self._process()
        self._resources()
        return "".join(self._out).encode("utf-8")

    def _family(self, name: str, doc: str, kind: str, samples: Sequence[tuple[Labels, float]]) -> None:
        """One family of ``kind`` (counter samples get ``_total``) with (labels, value) samples."""
        name = f"{name}_total" if kind == "counter" else name
        self._out.append(_header(name, doc, kind))
        self._out.extend(f"{_prefix(name, labels)}{floatToGoString(value)}\n" for labels, value in samples)

    def _requests(self) -> None:
        codes = self._t.requests
        samples = [
            ((("service", service), ("code", str(code))), float(codes[service][code]))
            for service in SERVICES
            for code in sorted(codes[service])
        ]
        self._family("shop_requests", "Requests served, by HTTP status code.", "counter", samples)

    def _histogram(self, name: str, doc: str, histograms: dict[str, Histogram]) -> None:
        out = self._out
        out.append(_header(name, doc, "histogram"))
        for service, histogram in histograms.items():
            pairs = histogram.cumulative()
            for le, count in pairs:
                out.append(f"{_prefix(name + '_bucket', (('service', service), ('le', le)))}{floatToGoString(count)}\n")
            labels = (("service", service),)
            out.append(f"{_prefix(name + '_count', labels)}{floatToGoString(pairs[-1][1])}\n")
            out.append(f"{_prefix(name + '_sum', labels)}{floatToGoString(histogram.total)}\n")

    def _dependencies(self) -> None:
        samples = []
        for (caller, callee), (ok, error) in self._t.dependency.items():
            labels = (("service", caller), ("dependency", callee))
            samples.append(((*labels, ("outcome", "ok")), float(ok)))
            samples.append(((*labels, ("outcome", "error")), float(error)))
        doc = "Outgoing calls to a dependency, by outcome (ok or error)."
        self._family("shop_dependency_requests", doc, "counter", samples)

    def _process(self) -> None:
        t = self._t
        cpu = [((("service", s),), round(t.cpu_seconds[s], 6)) for s in SERVICES]
        memory = [((("service", s),), float(round(t.memory_bytes[s]))) for s in SERVICES]
        up = [((("service", s),), t.up[s]) for s in SERVICES]
        self._family("shop_process_cpu_seconds", "CPU time used, in core-seconds.", "counter", cpu)
        self._family("shop_process_resident_memory_bytes", "Resident memory in bytes.", "gauge", memory)
        self._family("shop_up", "1 when the service is running.", "gauge", up)

    def _resources(self) -> None:
        """CPU limits, data volumes, database connection pools and cache lookups."""
        t = self._t
        by_service = [(("service", s),) for s in SERVICES]
        by_client = [(("service", s),) for s in DB_CLIENTS]
        limit = [(labels, t.cpu_limit_cores[s]) for labels, s in zip(by_service, SERVICES, strict=True)]
        size = [(labels, t.disk_size_bytes[s]) for labels, s in zip(by_service, SERVICES, strict=True)]
        used = [(labels, t.disk_used_bytes[s]) for labels, s in zip(by_service, SERVICES, strict=True)]
        pool = []
        for service in DB_CLIENTS:
            in_use = t.pool_in_use[service]
            pool.append(((("service", service), ("state", "in_use")), in_use))
            pool.append(((("service", service), ("state", "idle")), DB_POOL_SIZE - in_use))
        pool_size = [(labels, float(DB_POOL_SIZE)) for labels in by_client]
        waiting = [(labels, t.pool_waiting[s]) for labels, s in zip(by_client, DB_CLIENTS, strict=True)]
        timeouts = [(labels, float(t.pool_timeouts[s])) for labels, s in zip(by_client, DB_CLIENTS, strict=True)]
        lookups = []
        for service, (hits, misses) in t.cache_lookups.items():
            lookups.append(((("service", service), ("result", "hit")), float(hits)))
            lookups.append(((("service", service), ("result", "miss")), float(misses)))
        self._family("shop_process_cpu_limit_cores", "CPU limit of the container.", "gauge", limit)
        self._family("shop_disk_size_bytes", "Size of the data volume in bytes.", "gauge", size)
        self._family("shop_disk_used_bytes", "Bytes used on the data volume.", "gauge", used)
        self._family("shop_db_pool_connections", "Postgres pool connections by state (in_use, idle).", "gauge", pool)
        self._family("shop_db_pool_max_connections", "Size of the postgres connection pool.", "gauge", pool_size)
        self._family("shop_db_pool_pending_requests", "Requests waiting for a pooled connection.", "gauge", waiting)
        self._family("shop_db_pool_timeouts", "Waits for a pooled connection that timed out.", "counter", timeouts)
        doc = "Cache lookups by result: hit, or miss (absent, expired or the cache failed to answer)."
        self._family("shop_cache_requests", doc, "counter", lookups)
