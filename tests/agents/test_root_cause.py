"""RootCauseAgent: the injected (service, kind) comes first, with evidence and a confidence that means something."""

from __future__ import annotations

import dataclasses

import pytest

from core.agents.log_analysis import LogAnalysisAgent
from core.agents.monitoring import MonitoringAgent
from core.agents.root_cause import MAX_CONFIDENCE, RootCauseAgent
from core.models import (
    ERROR_RATE,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    AgentOutput,
    Anomaly,
    FaultKind,
    LogAnalysisOutput,
    LogEvent,
    MonitoringOutput,
    RootCauseOutput,
    Signal,
)
from tests.factories import CATALOGUE, FAULT_CASES, FAULT_START, make_context

KINDS = {fault.type for fault in CATALOGUE}
# the fast loop (make test-fast) keeps the first seed and the short windows; the full suite sweeps them all
WINDOWS = [10.0, 30.0, pytest.param(1800.0, marks=pytest.mark.slow)]


def seeds(n: int) -> list:
    """Seeds 0 to ``n - 1``, all but the first marked slow."""
    return [0, *(pytest.param(seed, marks=pytest.mark.slow) for seed in range(1, n))]


def analyse(ctx, failing: dict[str, str] | None = None) -> RootCauseOutput:
    upstream: dict[str, AgentOutput] = {}
    for agent in (MonitoringAgent(), LogAnalysisAgent()):
        upstream[agent.name] = agent.analyze(ctx, {})
    for name, error in (failing or {}).items():
        upstream[name] = AgentOutput(status="error", error=error)
    return RootCauseAgent().analyze(ctx, upstream)


def assert_well_formed(out: RootCauseOutput) -> None:
    confidences = [h.confidence for h in out.hypotheses]
    groups = [h.group for h in out.hypotheses]
    assert groups == sorted(groups)  # the group with the strongest evidence first
    for group in set(groups):  # competing causes share one probability, most probable first
        members = [h.confidence for h in out.hypotheses if h.group == group]
        assert members == sorted(members, reverse=True) and sum(members) <= 1.0 + 1e-6
    assert all(0.0 <= c <= MAX_CONFIDENCE for c in confidences)
    for h in out.hypotheses:
        assert h.kind in KINDS
        assert h.evidence, f"{h.kind} on {h.service} has no evidence"
        for e in h.evidence:
            if e.kind == "metric":
                assert e.metric and e.window_start is not None and e.window_end is not None
                assert e.baseline is not None and e.observed is not None
            if e.kind == "log":
                assert e.template and e.count is not None and e.baseline_count is not None


@pytest.mark.parametrize("seed", seeds(3), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w:.0f}s")
@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_top_hypothesis_is_the_injected_fault(kind: str, target: str, window: float, seed: int) -> None:
    out = analyse(make_context(kind, target, window_seconds=window, seed=seed))
    assert out.status == "ok"
    assert out.hypotheses, out.no_cause_reason
    top = out.hypotheses[0]
    assert (top.service, top.kind) == (target, kind), out.summary
    assert top.confidence >= 0.5
    assert out.no_cause_reason is None
    assert_well_formed(out)


@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_top_hypothesis_when_the_window_starts_at_the_first_signal(kind: str, target: str) -> None:
    out = analyse(make_context(kind, target, window_seconds=10.0, lookback=0.0))  # 3 samples per series
    assert (out.hypotheses[0].service, out.hypotheses[0].kind) == (target, kind), out.summary
    assert_well_formed(out)


@pytest.mark.parametrize("seed", seeds(4), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w:.0f}s")
def test_fault_free_context_names_no_cause(window: float, seed: int) -> None:
    out = analyse(make_context(window_seconds=window, seed=seed))
    assert out.status == "ok"
    assert out.hypotheses == []
    assert out.no_cause_reason and "No cause found" in out.no_cause_reason


def test_spurious_signal_that_monitoring_contradicts_names_no_cause() -> None:
    ctx = make_context(seed=1)
    spurious = Signal(
        rule="memory_trend",
        service="checkout",
        metric="memory_mb",
        value=620.0,
        threshold=500.0,
        ts=ctx.window_start,
        message="checkout memory forecast 620 MB",
    )
    incident = ctx.incident.model_copy(update={"signals": [spurious], "services": ["checkout"]})
    out = analyse(dataclasses.replace(ctx, incident=incident))
    assert out.hypotheses == [] and out.no_cause_reason


@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_thin_evidence_lowers_confidence(kind: str, target: str) -> None:
    full = analyse(make_context(kind, target, window_seconds=30)).hypotheses[0]
    metrics_only = analyse(make_context(kind, target, window_seconds=30, with_logs=False)).hypotheses[0]
    assert (metrics_only.service, metrics_only.kind) == (target, kind)
    assert metrics_only.confidence < full.confidence or full.confidence == MAX_CONFIDENCE


@pytest.mark.parametrize("failing", ["monitoring", "log_analysis"])
@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_one_failed_input_still_names_the_cause(kind: str, target: str, failing: str) -> None:
    ctx = make_context(kind, target, window_seconds=30)
    out = analyse(ctx, failing={failing: "boom"})
    assert out.status == "ok"
    assert (out.hypotheses[0].service, out.hypotheses[0].kind) == (target, kind)
    assert f"{failing} failed: boom" in out.summary
    assert_well_formed(out)


def test_no_usable_input_at_all_is_an_error() -> None:
    ctx = make_context("latency_spike", "catalog", with_signals=False)
    out = analyse(ctx, failing={"monitoring": "down", "log_analysis": "down"})
    assert out.status == "error" and "monitoring failed: down" in (out.error or "")


def _anomaly(service: str, metric: str, score: float, start: float = FAULT_START + 5) -> Anomaly:
    baseline = 0.01 if metric == ERROR_RATE else 200.0
    observed = 0.3 if metric == ERROR_RATE else 2500.0
    return Anomaly(
        service=service,
        metric=metric,
        start_ts=start,
        peak_ts=start + 5,
        baseline=baseline,
        observed=observed,
        score=score,
        direction="up",
    )


def _with_anomalies(anomalies: list[Anomaly], **ctx_changes) -> RootCauseOutput:
    ctx = dataclasses.replace(make_context(with_logs=False), **ctx_changes)
    upstream = {
        "monitoring": MonitoringOutput(anomalies=anomalies),
        "log_analysis": LogAnalysisOutput(status="no_data"),
    }
    return RootCauseAgent().analyze(ctx, upstream)


LATENCIES = (LATENCY_P50_MS, LATENCY_P95_MS, LATENCY_P99_MS)


def test_noisiest_service_is_not_automatically_the_culprit() -> None:
    anomalies = [_anomaly("frontend", m, 400.0) for m in LATENCIES]
    anomalies += [_anomaly("checkout", m, 200.0) for m in LATENCIES]
    anomalies += [_anomaly("payments", m, 12.0) for m in LATENCIES]
    out = _with_anomalies(anomalies)
    assert (out.hypotheses[0].service, out.hypotheses[0].kind) == ("payments", "latency_spike")
    assert any(e.kind == "topology" for e in out.hypotheses[0].evidence)


def test_two_kinds_that_explain_the_data_equally_share_the_confidence() -> None:
    anomalies = [_anomaly("payments", m, 50.0) for m in (*LATENCIES, ERROR_RATE)]
    out = _with_anomalies(anomalies)
    first, second = out.hypotheses[:2]
    assert {first.kind, second.kind} == {"latency_spike", "error_rate"}
    assert first.confidence < 0.6 and abs(first.confidence - second.confidence) < 0.05


def test_upstream_onset_clearly_earlier_lowers_the_score() -> None:
    together = [_anomaly("frontend", m, 50.0) for m in LATENCIES] + [_anomaly("catalog", m, 50.0) for m in LATENCIES]
    early_frontend = [_anomaly("frontend", m, 50.0, start=FAULT_START - 55) for m in LATENCIES]
    early_frontend += [_anomaly("catalog", m, 50.0) for m in LATENCIES]
    same = _with_anomalies(together).hypotheses[0]
    later = _with_anomalies(early_frontend).hypotheses[0]
    assert (same.service, same.kind) == ("catalog", "latency_spike")
    assert later.score is not None and same.score is not None and later.score < same.score
    assert later.confidence <= same.confidence  # both may reach the cap when the evidence is strong
    assert "upstream went bad before it" in later.summary


def test_dependency_down_names_the_external_dependency_with_log_evidence() -> None:
    out = analyse(make_context("dependency_down", "payment-gateway", window_seconds=30))
    top = out.hypotheses[0]
    assert top.service == "payment-gateway"
    logs = [e for e in top.evidence if e.kind == "log"]
    assert logs and "payment-gateway" in (logs[0].template or "")
    assert logs[0].count and logs[0].count > logs[0].baseline_count


def test_empty_catalogue_falls_back_to_every_registered_kind() -> None:
    ctx = make_context("db_slow", "postgres", window_seconds=30)
    out = analyse(dataclasses.replace(ctx, catalogue=[]))
    assert (out.hypotheses[0].service, out.hypotheses[0].kind) == ("postgres", "db_slow")


def test_catalogue_without_known_kinds_explains_why_no_cause() -> None:
    ctx = make_context("latency_spike", "catalog")
    unknown = [FaultKind(type="cosmic_ray", description="?", targets=["catalog"], default_target="catalog")]
    out = analyse(dataclasses.replace(ctx, catalogue=unknown))
    assert out.hypotheses == [] and "known signature" in (out.no_cause_reason or "")


def test_services_outside_the_topology_do_not_crash_it() -> None:
    ctx = make_context("latency_spike", "catalog")
    stray = LogEvent(ts=ctx.window_start + 1, service="ghost", level="ERROR", message="Unhandled exception boom")
    anomalies = [_anomaly("ghost", LATENCY_P95_MS, 80.0)]
    upstream = {
        "monitoring": MonitoringOutput(anomalies=anomalies),
        "log_analysis": LogAnalysisAgent().analyze(dataclasses.replace(ctx, logs=[*ctx.logs, stray]), {}),
    }
    out = RootCauseAgent().analyze(ctx, upstream)
    assert out.status == "ok"
    assert_well_formed(out)
