"""A virtual clock, the fault kinds the demo shop must offer, and the arithmetic a detector does on two scrapes
of the demo shop's /metrics."""

from __future__ import annotations

import math

import requests
from prometheus_client.parser import text_string_to_metric_families

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z

#: The seed's five fault kinds and the six that issue 3 adds, written out (not read from the catalogue).
FAULT_KINDS = frozenset(
    {
        "latency_spike",
        "error_rate",
        "db_slow",
        "memory_leak",
        "dependency_down",
        "cpu_saturation",
        "connection_pool_exhaustion",
        "bad_deploy",
        "cache_failure",
        "disk_full",
        "traffic_surge",
    }
)

#: (sample name, sorted label pairs) -> value
Scrape = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class VirtualClock:
    """Time that only moves when a test says so."""

    def __init__(self, start: float = START) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def scrape(url: str) -> Scrape:
    """GET /metrics and index every sample by name and labels."""
    response = requests.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    samples: Scrape = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def tick(url: str, clock: VirtualClock, seconds: float, every: float = 5.0) -> None:
    """Advance ``clock`` by ``seconds``, polling /health every ``every`` seconds like the app does."""
    steps = round(seconds / every)
    for _ in range(steps):
        clock.advance(every)
        requests.get(f"{url}/health", timeout=10).raise_for_status()


def _sum(scrape_: Scrape, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in scrape_.items() if n == name and wanted <= set(lbls))


def increase(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """Counter increase between two scrapes, summed over series that match ``labels``."""
    return _sum(after, name, **labels) - _sum(before, name, **labels)


def error_rate(before: Scrape, after: Scrape, service: str) -> float:
    """Share of ``service``'s requests answered 5xx between the scrapes (0..1)."""
    total = increase(before, after, "shop_requests_total", service=service)
    failed = sum(
        increase(before, after, "shop_requests_total", service=service, code=code)
        for (n, lbls), _ in after.items()
        if n == "shop_requests_total" and dict(lbls)["service"] == service
        for code in [dict(lbls)["code"]]
        if code.startswith("5")
    )
    return failed / total if total else 0.0


def p95(before: Scrape, after: Scrape, service: str, metric: str = "shop_request_duration_seconds") -> float:
    """95th percentile in seconds between the scrapes, as Prometheus' histogram_quantile computes it."""
    buckets = []
    for (name, lbls), value in after.items():
        label = dict(lbls)
        if name == f"{metric}_bucket" and label["service"] == service:
            previous = before.get((name, lbls), 0.0)
            buckets.append((float(label["le"]), value - previous))
    buckets.sort()
    total = buckets[-1][1]
    rank = 0.95 * total
    low, low_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return low
            return low + (bound - low) * (rank - low_count) / max(count - low_count, 1e-9)
        low, low_count = bound, count
    return low


def memory_mb(scrape_: Scrape, service: str) -> float:
    """Resident memory of ``service`` in MB."""
    return _sum(scrape_, "shop_process_resident_memory_bytes", service=service) / (1024 * 1024)


def dependency_error_rate(before: Scrape, after: Scrape, service: str, dependency: str) -> float:
    """Share of ``service``'s calls to ``dependency`` that failed between the scrapes (0..1)."""
    name = "shop_dependency_requests_total"
    total = increase(before, after, name, service=service, dependency=dependency)
    failed = increase(before, after, name, service=service, dependency=dependency, outcome="error")
    return failed / total if total else 0.0


def all_logs(url: str) -> list[dict]:
    """Every log line the service still keeps."""
    lines: list[dict] = []
    cursor = None
    while True:
        params = {"limit": 10000} | ({"since": cursor} if cursor else {})
        page = requests.get(f"{url}/logs", params=params, timeout=10).json()
        lines.extend(page["lines"])
        cursor = page["cursor"]
        if len(page["lines"]) < 10000:
            return lines
