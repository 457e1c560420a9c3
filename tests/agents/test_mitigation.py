"""MitigationAgent: the playbook of the named cause, naming the service; generic actions otherwise."""

from __future__ import annotations

import pytest

from core.agents.mitigation import MitigationAgent
from core.models import AgentOutput, Evidence, Hypothesis, RootCauseOutput
from tests.factories import FAULT_CASES, make_context, run_agents


@pytest.mark.parametrize(("kind", "target"), FAULT_CASES, ids=[f"{k}-{t}" for k, t in FAULT_CASES])
def test_playbook_fits_the_cause_and_names_the_service(kind: str, target: str) -> None:
    out = run_agents(make_context(kind, target, window_seconds=30))["mitigation"]
    assert out.status == "ok"
    assert out.immediate and out.long_term
    text = " ".join(f"{a.title} {a.detail} {a.command or ''}" for a in out.immediate)
    assert target in text
    assert any(a.command for a in out.immediate)
    assert all(target in a.command or "payments" in a.command for a in out.immediate if a.command)
    assert kind in out.summary


def _hypothesis(kind: str, service: str, confidence: float) -> Hypothesis:
    evidence = [Evidence(kind="detection", service=service, description="seen")]
    return Hypothesis(service=service, kind=kind, confidence=confidence, summary="s", evidence=evidence)


def test_uncertain_cause_adds_a_check_of_the_runner_up() -> None:
    root_cause = RootCauseOutput(
        hypotheses=[_hypothesis("latency_spike", "payments", 0.45), _hypothesis("error_rate", "payments", 0.4)]
    )
    out = MitigationAgent().analyze(make_context(), {"root_cause": root_cause})
    assert "If the cause is error_rate on payments instead" in out.immediate[1].title


@pytest.mark.parametrize(
    "root_cause",
    [
        RootCauseOutput(no_cause_reason="No cause found: nothing moved."),
        AgentOutput(status="error", error="boom"),
        None,
    ],
    ids=["no-cause", "failed", "missing"],
)
def test_generic_actions_when_no_cause_is_named(root_cause: AgentOutput | None) -> None:
    ctx = make_context("error_rate", "checkout")
    upstream = {"root_cause": root_cause} if root_cause is not None else {}
    out = MitigationAgent().analyze(ctx, upstream)
    assert out.status == "ok"
    assert out.immediate and out.long_term
    assert "Generic actions" in out.summary


def test_unsafe_service_names_never_reach_a_command() -> None:
    root_cause = RootCauseOutput(hypotheses=[_hypothesis("latency_spike", "x; rm -rf /", 0.9)])
    out = MitigationAgent().analyze(make_context(), {"root_cause": root_cause})
    assert all(a.command is None for a in out.immediate + out.long_term)
    assert any("command omitted" in a.detail for a in out.immediate)
