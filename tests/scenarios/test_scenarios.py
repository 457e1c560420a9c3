"""Regression scenarios: recorded evidence of hard cases replayed through the five agents.

Each folder was written by ``python -m benchmarks.rca.record`` (its ``scenario.json`` says what was
injected and what the analysis must conclude); see ``core/scenario.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalogue import signature_for
from core.config import Settings
from core.models import ReportOutput, RootCauseOutput
from core.scenario import SCENARIO_FILE, load
from tests.factories import run_agents

FOLDERS = sorted(p.parent for p in Path(__file__).parent.glob(f"*/{SCENARIO_FILE}"))


def test_there_are_scenarios() -> None:
    assert len(FOLDERS) >= 5


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_scenario_names_the_expected_cause_with_evidence(folder: Path) -> None:
    scenario = load(folder, Settings())
    outputs = run_agents(scenario.context)
    rca = outputs["root_cause"]
    assert isinstance(rca, RootCauseOutput) and rca.status == "ok", rca.error
    named = [(h.service, h.kind) for h in rca.hypotheses]
    if not scenario.expected:
        assert not named and rca.no_cause_reason, f"{scenario.description}: expected no cause, got {named}"
        return
    leading = set(named[: len(scenario.expected)])
    assert leading == set(scenario.expected), f"{scenario.description}: got {named[:3]}"
    for h in rca.hypotheses:
        assert h.evidence, f"{h.kind} on {h.service} cites no evidence"
    confident_and_wrong = [(h.kind, h.service, h.confidence) for h in rca.hypotheses[len(scenario.expected) :]]
    assert all(c < 0.5 for *_, c in confident_and_wrong), f"{scenario.description}: {confident_and_wrong}"
    report = outputs["reporter"]
    assert isinstance(report, ReportOutput)
    text = report.markdown.lower().replace("\\_", "_")
    for service, kind in scenario.expected:
        label = signature_for(kind).label.lower()  # type: ignore[union-attr]
        assert (kind in text or label in text) and service in text
