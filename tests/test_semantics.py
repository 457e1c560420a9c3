"""What a metric's name says: the kind of signal, the bad direction, whether it is a share of a whole."""

from __future__ import annotations

import pytest

from core.semantics import BOTH, DOWN, UP, family, semantics_of, tokens


@pytest.mark.parametrize(
    ("name", "kind", "bad", "share"),
    [
        ("latency p99", "latency", UP, False),
        ("Latency p99 (ms)", "latency", UP, False),
        ("http_server_duration_seconds", "latency", UP, False),
        ("response_time", "latency", UP, False),
        ("rt (ms)", "latency", UP, False),
        ("p95", "latency", UP, False),
        ("error_rate", "errors", UP, False),
        ("5xx", "errors", UP, False),
        ("failedRequests", "errors", UP, False),
        ("cpu", "saturation", UP, False),
        ("cpu_seconds_total", "saturation", UP, False),
        ("cpu (%)", "saturation", UP, True),
        ("disk_used_percent", "saturation", UP, True),
        ("memory_bytes", "saturation", UP, False),
        ("queue_length", "queue", UP, False),
        ("kafka_consumer_lag", "queue", UP, False),
        ("availability", "availability", DOWN, True),
        ("availability Average", "availability", DOWN, True),
        ("up", "availability", DOWN, True),
        ("success_rate", "success", DOWN, True),
        ("cache_hit_ratio", "hit_ratio", DOWN, True),
        ("requests Sum", "throughput", DOWN, False),
        ("tps", "throughput", DOWN, False),
        ("cache_hits", "throughput", DOWN, False),
        ("temperature", "unknown", BOTH, False),
        ("value", "unknown", BOTH, False),
    ],
)
def test_names_and_units_say_what_a_metric_is(name: str, kind: str, bad: frozenset, share: bool) -> None:
    sem = semantics_of(name)
    assert (sem.kind, sem.bad, sem.share) == (kind, bad, share)


def test_tokens_split_at_punctuation_and_camel_case() -> None:
    assert tokens("httpServerDuration_seconds (ms)") == ["http", "server", "duration", "seconds", "ms"]
    assert tokens("cpu (%)") == ["cpu", "%"]


def test_error_words_win_over_availability_words() -> None:
    assert semantics_of("unavailable_errors").kind == "errors"
    assert semantics_of("availability_errors").bad == UP


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("latency", "latency_p99", True),
        ("availability", "errors", True),
        ("success_rate", "availability", True),
        ("latency", "availability", False),
        ("disk_io", "disk_io", True),
        ("disk_io", "net_rx", False),
    ],
)
def test_family_groups_the_statistics_of_one_symptom(a: str, b: str, same: bool) -> None:
    assert (family(a) == family(b)) is same
