"""Log templating: masking, stable ids, hostile input, and window/baseline counting."""

from __future__ import annotations

import hashlib

import pytest

from core.log_patterns import (
    MAX_LINE_CHARS,
    SurgeBar,
    first_line,
    is_surging,
    mask,
    summarize,
    surge,
    surges,
    template_id,
    template_of,
)
from core.logmining.miner import TemplateMiner
from core.models import LogEvent

MASKING = [
    (
        "slow-request",
        "Slow request POST /api/checkout took 2345 ms (threshold 1000 ms) trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "Slow request POST <*> took <*> (threshold <*>) trace_id=<*>",
    ),
    (
        "slow-query",
        "duration: 1534.2 ms  statement: SELECT * FROM products WHERE id = 42 (slow query, threshold 500 ms)",
        "duration: <*> statement: SELECT * FROM products WHERE id = <*> (slow query, threshold <*>)",
    ),
    (
        "ipv4-port",
        "Connection error calling payment-gateway (203.0.113.10:443): connect timeout after 2000 ms",
        "Connection error calling payment-gateway <*> connect timeout after <*>",
    ),
    ("ipv6-port", "connected to [2001:db8::1]:8080", "connected to <*>"),
    ("ipv6-bare", "peer fe80::1ff:fe23:4567:890a closed", "peer <*> closed"),
    ("uuid", "order 550e8400-e29b-41d4-a716-446655440000 paid", "order <*> paid"),
    ("hex-id", "span 0af7651916cd43dd closed, ptr 0x7ffe12", "span <*> closed, ptr <*>"),
    ("gc-pause", "GC pause 180 ms, heap 612 MB", "GC pause <*>, heap <*>"),
    ("duration-seconds", "retry in 1.5s", "retry in <*>"),
    ("duration-split-unit", "took 2000 ms.", "took <*>."),
    ("path-numeric", "GET /api/products/12345 200 in 45ms", "GET <*> in <*>"),
    ("path-windows", r"Loading C:\Windows\servicing\x.sqm now", "Loading <*> now"),
    ("url", "fetch hdfs://msra-sa-41:9000/pageinput2.txt done", "fetch <*> done"),
    ("size-in-parentheses", "close, 1190 bytes (1.16 KB) sent, lifetime <1 sec", "close, <*> sent, lifetime <*>"),
    ("long-digit-id", "report from attempt_1445144423722_0020_m_000002_0: ok", "report from <*> ok"),
    ("quoted", "user said 'hello world' and \"bye now\"", "user said <*> and <*>"),
    ("apostrophe-kept", "can't connect", "can't connect"),
    ("key-value-id", "request_id=req-9f8e7d session=abc user=alice", "request_id=<*> session=<*> user=<*>"),
    ("iso-time", "at 2026-01-01T00:00:00.123Z done", "at <*> done"),
    ("version-kept", "api v1 sha256 ok", "api v1 sha256 ok"),
    ("multi-line", "Unhandled exception in GET /x: KeyError\nTraceback (most recent call last):\n  File", None),
    ("control-chars", "bad\x00byte\x1b here 5", "bad byte here <*>"),
]


@pytest.mark.parametrize(("message", "expected"), [(m, e) for _, m, e in MASKING], ids=[i for i, _, _ in MASKING])
def test_mask_replaces_variable_parts(message: str, expected: str | None) -> None:
    if expected is None:
        expected = "Unhandled exception in GET /x: KeyError"
    assert mask(message) == expected


def test_template_id_is_sha1_prefix_and_stable_across_values() -> None:
    first = template_of("Slow request GET /a took 1200 ms trace_id=abc123")
    second = template_of("Slow request GET /a took 3400 ms trace_id=ffee99")
    assert first == second
    assert first[0] == hashlib.sha1(first[1].encode()).hexdigest()[:12]
    assert template_id("x") == template_id("x") and len(template_id("x")) == 12


def test_different_patterns_get_different_ids() -> None:
    assert template_of("GC pause 10 ms")[0] != template_of("Slow request took 10 ms")[0]


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 1_000_000,
        "1" * 100_000,
        "a:" * 100_000,
        "'" * 100_000,
        "a=1=" * 50_000,
        "<script>alert(1)</script>" * 1_000,
        "ab12cd-" * 500,
        "\n" * 10 + "real line 7",
        "",
    ],
    ids=[
        "long-word",
        "long-number",
        "colons",
        "quotes",
        "key-values",
        "script",
        "hyphenated-ids",
        "leading-newlines",
        "empty",
    ],
)
def test_hostile_input_is_bounded(hostile: str) -> None:
    template = mask(hostile)
    assert len(template) <= MAX_LINE_CHARS
    assert "\n" not in template


def test_first_line_skips_blank_lines_and_truncates() -> None:
    assert first_line("\n\n  \nhello\nworld") == "hello"
    assert len(first_line("y" * 5_000)) == MAX_LINE_CHARS


def _event(ts: float, message: str, level: str = "ERROR", service: str = "svc") -> LogEvent:
    return LogEvent(ts=ts, service=service, level=level, message=message)


def test_summarize_counts_window_and_baseline_and_flags_new() -> None:
    events = [_event(t, f"Known warning {t}", "WARN") for t in range(0, 100, 10)]  # 10 in baseline [0, 100)
    events += [_event(100 + t, f"Known warning {t}", "WARN") for t in range(0, 10, 5)]  # 2 in window
    events += [_event(101, "Unhandled exception id=1", service="a"), _event(103, "Unhandled exception id=2")]
    events += [_event(250, "After the window 1")]
    patterns = summarize(events, window_start=100, window_end=110, baseline_start=0, baseline_end=100)
    by_template = {p.template: p for p in patterns}
    new = by_template["Unhandled exception id=<*>"]
    assert (new.count, new.baseline_count, new.is_new) == (2, 0, True)
    assert new.services == ["a", "svc"] and new.service_counts == {"a": 1, "svc": 1}
    assert new.first_seen == 101 and new.example == "Unhandled exception id=1"
    assert new.surge == pytest.approx((2 / 10) / (1 / 100))
    known = by_template["Known warning <*>"]
    assert (known.count, known.baseline_count, known.is_new) == (2, 10, False)
    assert known.surge == pytest.approx((2 / 10) / (10 / 100))
    assert "After the window <*>" not in by_template
    assert patterns[0] is new  # errors first


def test_summarize_orders_by_level_then_surge() -> None:
    events = [_event(5, "rare warning", "WARN")]
    events += [_event(100 + i, "burst warning", "WARN") for i in range(5)]
    events += [_event(101, "chatty info", "INFO") for _ in range(50)]
    events += [_event(102, "rare warning", "WARN")]
    patterns = summarize(events, 100, 110, 0, 100)
    assert [p.template for p in patterns] == ["burst warning", "rare warning", "chatty info"]


def test_summarize_keeps_the_most_severe_level_and_normalises_names() -> None:
    events = [_event(100, "mixed 1", "warning"), _event(101, "mixed 2", "critical")]
    (pattern,) = summarize(events, 100, 110, 0, 100)
    assert pattern.level == "ERROR"


def test_summarize_caps_distinct_templates() -> None:
    events = [_event(100, f"template{chr(97 + i % 26)}{chr(97 + i // 26)} x") for i in range(100)]
    assert len(summarize(events, 100, 110, 0, 100, max_templates=10)) == 10


@pytest.mark.slow
def test_summarize_groups_many_variants_into_one_pattern() -> None:
    events = [
        _event(100 + i * 0.001, f"Slow request POST /api/x/{i} took {i % 3000} ms trace_id={i:032x}", "WARN")
        for i in range(20_000)
    ]
    (pattern,) = summarize(events, 100, 200, 0, 100)
    assert pattern.count == 20_000 and pattern.template == "Slow request POST <*> took <*> trace_id=<*>"


def test_summarize_merges_words_that_vary_and_keeps_ones_that_do_not() -> None:
    users = ["root", "admin", "guest", "oracle", "test"]
    events = [_event(100 + i, f"Failed password for {users[i % 5]} from 10.0.0.{i} port 22") for i in range(20)]
    events += [_event(130 + i, f"Session {i} ended by {'client' if i % 2 else 'server'}") for i in range(10)]
    templates = sorted(p.template for p in summarize(events, 100, 200, 0, 100))
    assert templates == [
        "Failed password for <*> from <*> port <*>",
        "Session <*> ended by client",
        "Session <*> ended by server",
    ]


def test_summarize_with_a_shared_miner_knows_old_patterns() -> None:
    miner = TemplateMiner()
    miner.add("Disk almost full on /dev/sda1 (91%)", ts=10.0)  # seen long before the baseline
    events = [_event(650 + i, f"Disk almost full on /dev/sda{i} ({90 + i}%)") for i in range(3)]
    (pattern,) = summarize(events, 600, 660, 0, 600, miner=miner)
    assert pattern.baseline_count == 0 and pattern.template_first_seen == 10.0 and not pattern.is_new
    assert miner.clusters()[0].count == 1  # the analysis does not count lines again
    (fresh,) = summarize(events, 600, 660, 0, 600)
    assert fresh.is_new and fresh.template_first_seen == 650


@pytest.mark.parametrize(
    ("count", "baseline_count", "surging"),
    [(1, 0, False), (2, 0, True), (30, 0, True), (1, 1, False), (6, 10, True), (1, 10, False)],
    ids=["one-new-line", "two-new-lines", "burst", "one-vs-one", "six-times-the-rate", "same-rate"],
)
def test_is_surging_needs_more_than_chance(count: int, baseline_count: int, surging: bool) -> None:
    events = [_event(t * 10.0, "pattern x") for t in range(baseline_count)]  # baseline [0, 600)
    events += [_event(600 + t * 0.5, "pattern x") for t in range(count)]  # window [600, 660]
    (pattern,) = summarize(events, 600, 660, 0, 600)
    assert is_surging(pattern) is surging


def test_an_empty_baseline_counts_as_one_line() -> None:
    assert surge(10, 0, 10.0, 100.0) == surge(10, 1, 10.0, 100.0) == 100.0


@pytest.mark.parametrize(
    ("count", "expected", "one_line", "passes"),
    [
        pytest.param(10, 2.0, 0.1, True, id="exactly-the-factor"),
        pytest.param(9, 2.0, 0.1, False, id="under-the-factor"),
        pytest.param(10, 0.0, 2.0, True, id="empty-baseline-as-one-line"),
        pytest.param(9, 0.0, 2.0, False, id="under-one-line-times-the-factor"),
        pytest.param(2, 0.0, 0.4, False, id="too-few-to-be-more-than-chance"),
    ],
)
def test_a_count_surges_past_the_bar(count: int, expected: float, one_line: float, passes: bool) -> None:
    assert surges(count, expected, one_line, SurgeBar(factor=5.0, min_excess=3.0)) is passes
