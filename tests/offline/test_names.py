"""Metric names from CSV headers: spellings of one resource map to one name; unknown names are kept."""

from __future__ import annotations

import pytest

from core.offline.names import normalise_metric, split_column


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cpu", "cpu"),
        ("CPU_Usage", "cpu"),
        ("cpu_percent", "cpu"),
        ("mem", "memory"),
        ("memory_bytes", "memory"),
        ("lat_50", "latency_p50"),
        ("lat_90", "latency_p90"),
        ("latency_p99_ms", "latency_p99"),
        ("p95", "latency_p95"),
        ("latency", "latency"),
        ("response_time", "latency"),
        ("tps", "requests"),
        ("rps", "requests"),
        ("request_rate", "requests"),
        ("err", "errors"),
        ("error_rate", "errors"),
        ("disk-io", "disk_io"),
        ("90", "90"),
    ],
)
def test_normalise_metric(raw: str, expected: str) -> None:
    assert normalise_metric(raw) == expected


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("carts-db_cpu", ("carts-db", "cpu")),
        ("catalogue_lat_90", ("catalogue", "lat_90")),
        ("queue-master_mem", ("queue-master", "mem")),
        ("cpu", None),
        ("_cpu", None),
        ("carts_", None),
    ],
    ids=["db", "first-underscore", "dash", "no-underscore", "no-service", "no-metric"],
)
def test_split_column_at_the_first_underscore(column: str, expected: tuple[str, str] | None) -> None:
    assert split_column(column) == expected
