"""LogAnalysisAgent: the fault's characteristic templates come first, counted against the baseline."""

from __future__ import annotations

import dataclasses

import pytest

from core import log_patterns
from core.agents.log_analysis import LogAnalysisAgent
from core.log_patterns import echoes, is_surging, origin_first
from core.logmining.miner import TemplateMiner
from core.models import LogEvent
from tests.factories import make_context

CHARACTERISTIC = [
    ("latency_spike", "catalog", "Slow request", "catalog"),
    ("error_rate", "payments", "Unhandled exception", "payments"),
    ("db_slow", "postgres", "slow query", "postgres"),
    ("memory_leak", "checkout", "GC pause", "checkout"),
    ("dependency_down", "payment-gateway", "Connection error calling payment-gateway", "payments"),
]


@pytest.mark.parametrize(("kind", "target", "needle", "logger"), CHARACTERISTIC, ids=[c[0] for c in CHARACTERISTIC])
def test_characteristic_template_is_surging_and_attributed(kind: str, target: str, needle: str, logger: str) -> None:
    out = LogAnalysisAgent().analyze(make_context(kind, target, window_seconds=30), {})
    assert out.status == "ok"
    pattern = next(p for p in out.patterns if needle in p.template)
    assert pattern.level in ("WARN", "ERROR")
    assert is_surging(pattern)
    assert pattern.service_counts.get(logger, 0) > 0
    assert "<*>" in pattern.template and needle in pattern.example
    assert out.patterns.index(pattern) < 3  # error/warn and surging: near the top


def test_baseline_warning_at_its_usual_rate_is_not_surging() -> None:
    out = LogAnalysisAgent().analyze(make_context("latency_spike", "catalog", window_seconds=1800), {})
    cache = next(p for p in out.patterns if p.template.startswith("Cache miss ratio"))
    assert not is_surging(cache) and cache.baseline_count > 0


def test_levels_order_and_totals() -> None:
    ctx = make_context("error_rate", "checkout", window_seconds=30)
    out = LogAnalysisAgent().analyze(ctx, {})
    ranks = {"ERROR": 0, "WARN": 1}
    levels = [ranks.get(p.level, 2) for p in out.patterns]
    assert levels == sorted(levels)
    window = [e for e in ctx.logs if ctx.window_start <= e.ts <= ctx.window_end]
    assert out.total_lines == len(window)
    assert out.error_lines == sum(1 for e in window if e.level == "ERROR")


def test_no_logs_is_no_data() -> None:
    out = LogAnalysisAgent().analyze(make_context("latency_spike", "catalog", with_logs=False), {})
    assert out.status == "no_data"


def test_hostile_lines_do_not_break_it() -> None:
    ctx = make_context()
    hostile = [
        LogEvent(ts=ctx.window_start + 1, service="<b>x</b>", level="ERROR", message="<script>alert(1)</script>"),
        LogEvent(ts=ctx.window_start + 2, service="svc", level="weird", message="\x00\x1b" + "z" * 100_000),
        LogEvent(ts=ctx.window_start + 3, service="svc", level="ERROR", message="a|b`c\nsecond line"),
    ]
    out = LogAnalysisAgent().analyze(dataclasses.replace(ctx, logs=[*ctx.logs, *hostile]), {})
    assert out.status == "ok"
    assert all(len(p.template) <= 2000 and len(p.example) <= 500 for p in out.patterns)


def test_unusable_events_are_an_error_not_an_exception() -> None:
    ctx = make_context()
    out = LogAnalysisAgent().analyze(dataclasses.replace(ctx, logs=[object()]), {})  # type: ignore[list-item]
    assert out.status == "error"


def test_the_callee_pattern_goes_before_the_callers_echo() -> None:
    events = [
        LogEvent(ts=100 + i, service="frontend", level="ERROR", message=f"Call to checkout failed: answered 500 #{i}")
        for i in range(12)
    ]
    events += [
        LogEvent(ts=100 + i, service="checkout", level="WARN", message=f"Slow request POST /orders took {900 + i} ms")
        for i in range(10)
    ]
    events += [LogEvent(ts=50, service="frontend", level="INFO", message="GET / 200 3ms")]
    patterns = log_patterns.summarize(events, 100, 130, 0, 100)
    assert patterns[0].services == ["frontend"]  # by level and count alone, the caller's error comes first
    ordered = origin_first(patterns, ["frontend", "checkout", "payments"])
    assert [p.services for p in ordered[:2]] == [["checkout"], ["frontend"]]
    assert echoes(ordered[1], {"checkout", "frontend"}) and not echoes(ordered[0], {"checkout", "frontend"})


def test_the_agent_uses_a_shared_miner_without_counting_lines_twice() -> None:
    ctx = make_context("error_rate", "payments", window_seconds=30)
    miner = TemplateMiner()
    out = LogAnalysisAgent(miner).analyze(ctx, {})
    assert out.status == "ok" and len(miner) > 0
    assert sum(c.count for c in miner.clusters()) == 0
    ids = {c.id for c in miner.clusters()}
    assert {p.template_id for p in out.patterns} <= ids
