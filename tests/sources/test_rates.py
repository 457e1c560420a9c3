"""From two scrapes of the exposition to per-service rates and quantiles, as Prometheus would compute."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from core import models as m
from core.errors import SourceError
from core.sources.demo import parse_log_line
from core.sources.prometheus_text import parse_snapshot
from core.sources.rates import histogram_quantile, signals_between

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Exposition:
    """A real prometheus_client registry with the demo service's metric names."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("shop_requests", "r", ["service", "code"], registry=self.registry)
        self.duration = Histogram(
            "shop_request_duration_seconds", "d", ["service"], buckets=BUCKETS, registry=self.registry
        )
        self.deps = Counter(
            "shop_dependency_requests", "d", ["service", "dependency", "outcome"], registry=self.registry
        )
        self.cpu = Counter("shop_process_cpu_seconds", "c", ["service"], registry=self.registry)
        self.memory = Gauge("shop_process_resident_memory_bytes", "m", ["service"], registry=self.registry)

    def snapshot(self):
        return parse_snapshot(generate_latest(self.registry).decode())


def test_rates_quantiles_and_dependency_errors() -> None:
    exp = Exposition()
    exp.requests.labels("checkout", "200").inc(10)
    before = exp.snapshot()
    exp.requests.labels("checkout", "200").inc(70)
    exp.requests.labels("checkout", "500").inc(30)
    for _ in range(90):
        exp.duration.labels("checkout").observe(0.08)
    for _ in range(10):
        exp.duration.labels("checkout").observe(2.0)
    exp.deps.labels("checkout", "payments", "ok").inc(15)
    exp.deps.labels("checkout", "payments", "error").inc(5)
    exp.cpu.labels("checkout").inc(2.5)
    exp.memory.labels("checkout").set(300 * 1024 * 1024)
    points = {p.metric: p.value for p in signals_between(before, exp.snapshot(), 10.0, 123.0)}
    assert points[m.REQUEST_RATE] == pytest.approx(10.0)
    assert points[m.ERROR_RATE] == pytest.approx(0.3)
    assert points[m.LATENCY_P50_MS] < 100
    assert 1000 < points[m.LATENCY_P95_MS] <= 2500
    assert points[m.DEPENDENCY_ERROR_RATE] == pytest.approx(0.25)
    assert points[m.CPU_PERCENT] == pytest.approx(25.0)
    assert points[m.MEMORY_MB] == pytest.approx(300.0)


def test_counter_reset_counts_from_zero() -> None:
    exp = Exposition()
    exp.requests.labels("cache", "200").inc(1000)
    before = exp.snapshot()
    restarted = Exposition()
    restarted.requests.labels("cache", "200").inc(50)
    points = {p.metric: p.value for p in signals_between(before, restarted.snapshot(), 5.0, 1.0)}
    assert points[m.REQUEST_RATE] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("q", "buckets", "expected"),
    [
        pytest.param(0.5, [(0.1, 50), (0.2, 100), (float("inf"), 100)], 0.1, id="bucket-edge"),
        pytest.param(0.75, [(0.1, 50), (0.2, 100), (float("inf"), 100)], 0.15, id="interpolated"),
        pytest.param(0.99, [(0.1, 50), (0.2, 90), (float("inf"), 100)], 0.2, id="inf-bucket-reports-last-bound"),
        pytest.param(0.5, [(0.1, 0), (float("inf"), 0)], None, id="empty"),
    ],
)
def test_histogram_quantile(q, buckets, expected) -> None:
    result = histogram_quantile(q, buckets)
    assert result == (None if expected is None else pytest.approx(expected))


def test_unparseable_exposition_raises_source_error() -> None:
    with pytest.raises(SourceError, match="Unparseable"):
        parse_snapshot('metric{label="unterminated} 1\n')


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        pytest.param({"ts": 1.5, "service": "a", "level": "error", "message": "boom", "trace_id": "x"}, True, id="ok"),
        pytest.param({"ts": "nope", "service": "a", "message": "m"}, False, id="bad-ts"),
        pytest.param({"service": "a", "message": "m"}, False, id="no-ts"),
        pytest.param(["not", "a", "dict"], False, id="not-object"),
    ],
)
def test_parse_log_line(line, ok) -> None:
    event = parse_log_line(line)
    assert (event is not None) == ok
    if ok:
        assert (event.level, event.attrs) == ("ERROR", {"trace_id": "x"})


def test_parse_log_line_truncates_huge_messages() -> None:
    event = parse_log_line({"ts": 1, "service": "a", "message": "x" * 1_000_000})
    assert len(event.message) == 10_000


def test_parser_agrees_with_prometheus_clients_parser_on_the_demo_service() -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from demo_service import DemoService

    class Clock:
        t = 1_767_268_800.0

        def now(self) -> float:
            return self.t

    clock = Clock()
    with DemoService(clock=clock, seed=5) as service:
        service.inject("error_rate", "payments", 1.0, 60)
        clock.t += 30
        text = service.metrics_text()
    expected = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")
    }
    assert parse_snapshot(text) == expected
    assert len(expected) > 100


def test_parser_reads_escapes_special_values_and_timestamps() -> None:
    text = '# HELP x y\nm{a="q\\"uo\\\\te",b="line\\nbreak"} +Inf 1700000000000\nn NaN\nk 3e2\n'
    snapshot = parse_snapshot(text)
    assert snapshot[("m", (("a", 'q"uo\\te'), ("b", "line\nbreak")))] == float("inf")
    assert snapshot[("k", ())] == 300.0
    assert ("n", ()) in snapshot
