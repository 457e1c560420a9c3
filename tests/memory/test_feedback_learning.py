"""Issue 18, acceptance 2: verdicts on similar incidents move an ambiguous ranking, never a clear one.

The precedents go through a real DuckDB file: three incidents stored with their analysed reports, a verdict
on each, their fingerprints recorded, then read back as the precedents of a fourth incident.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core.agents.base import AnalysisContext
from core.catalogue.service_kinds import ERROR_RATE_KIND
from core.config import Settings
from core.memory import recall
from core.models import Feedback, ReportOutput, RootCauseOutput
from core.scenario import load
from core.store import Store
from tests.factories import make_context, run_agents

#: A twin of the error-rate kind: the same cues, so the evidence cannot tell the two apart.
TWIN = dataclasses.replace(ERROR_RATE_KIND, kind="regression", label="code regression")
SCENARIOS = Path(__file__).parents[1] / "scenarios"


def _ambiguous(seed: int) -> AnalysisContext:
    """An error-rate fault on checkout scored against two kinds with identical signatures."""
    ctx = make_context("error_rate", "checkout", seed=seed)
    return dataclasses.replace(ctx, catalogue=[], signatures={"error_rate": ERROR_RATE_KIND, "regression": TWIN})


def _store_precedents(
    store: Store, contexts: list[AnalysisContext], kind: str, service: str, *, actual: str | None = None
) -> None:
    """Analyse each context, store it as an earlier incident named kind@service, which a responder confirmed
    (or, with ``actual``, marked wrong naming ``actual`` as the cause)."""
    for n, ctx in enumerate(contexts):
        view = run_agents(ctx)["reporter"]
        assert isinstance(view, ReportOutput) and view.view is not None
        incident = ctx.incident.model_copy(
            update={
                "id": f"earlier-{n}",
                "detected_at": ctx.incident.detected_at - 3600 * (n + 1),
                "start_time": ctx.incident.start_time - 3600 * (n + 1),
                "final_summary": view.view,
                "root_cause_kind": kind,
                "root_cause_service": service,
                "analysis_status": "done",
            }
        )
        store.save_incident(incident)
        verdict = "right" if actual is None else "wrong"
        store.save_feedback(
            Feedback(
                incident_id=incident.id, verdict=verdict, actual_cause=actual or "", by="oncall", created_at=float(n)
            )
        )
        recall.record(store, store.get_incident(incident.id), at=float(n))


def _with_precedents(ctx: AnalysisContext, store: Store) -> AnalysisContext:
    return dataclasses.replace(ctx, precedents=recall.precedents(store, before=ctx.incident.detected_at))


def test_ambiguous_evidence_without_feedback_ranks_by_name(tmp_path: Path) -> None:
    plain = run_agents(_ambiguous(seed=4))["root_cause"]
    assert isinstance(plain, RootCauseOutput)
    top, second = plain.hypotheses[:2]
    assert {top.kind, second.kind} == {"error_rate", "regression"} and top.score == second.score
    assert top.kind == "error_rate" and plain.feedback_note is None


def test_three_confirmations_rank_the_confirmed_cause_first_and_say_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "memory.duckdb")
    try:
        _store_precedents(store, [_ambiguous(seed=s) for s in (1, 2, 3)], "regression", "checkout")
        outputs = run_agents(_with_precedents(_ambiguous(seed=4), store))
    finally:
        store.close()
    rca, report = outputs["root_cause"], outputs["reporter"]
    assert isinstance(rca, RootCauseOutput) and isinstance(report, ReportOutput)
    assert (rca.hypotheses[0].kind, rca.hypotheses[0].service) == ("regression", "checkout")
    assert rca.feedback_note and "responders confirmed it on 3 similar incident(s)" in rca.feedback_note
    assert "Feedback counted" in report.markdown
    assert report.view is not None and [s.id for s in report.view.similar][:3] == [
        "earlier-0",
        "earlier-1",
        "earlier-2",
    ]
    assert "Similar Past Incidents" in report.markdown


def test_three_corrections_move_the_named_cause_down_and_the_actual_one_up(tmp_path: Path) -> None:
    store = Store(tmp_path / "memory.duckdb")
    try:
        earlier = [_ambiguous(seed=s) for s in (1, 2, 3)]
        _store_precedents(store, earlier, "error_rate", "checkout", actual="regression on checkout")
        rca = run_agents(_with_precedents(_ambiguous(seed=4), store))["root_cause"]
    finally:
        store.close()
    assert isinstance(rca, RootCauseOutput)
    assert [h.kind for h in rca.hypotheses[:2]] == ["regression", "error_rate"]
    assert rca.feedback_note and "marked error_rate on checkout wrong on 3 similar" in rca.feedback_note


def test_clear_evidence_for_another_cause_stays_first(tmp_path: Path) -> None:
    scenario = load(SCENARIOS / "pool-checkout-vs-db", Settings())
    clear = scenario.context
    plain = run_agents(clear)["root_cause"]
    assert isinstance(plain, RootCauseOutput)
    winner, runner_up = plain.hypotheses[0], plain.hypotheses[1]
    store = Store(tmp_path / "memory.duckdb")
    try:
        _store_precedents(store, [clear, clear, clear], runner_up.kind, runner_up.service)
        rca = run_agents(_with_precedents(clear, store))["root_cause"]
    finally:
        store.close()
    assert isinstance(rca, RootCauseOutput)
    assert (rca.hypotheses[0].kind, rca.hypotheses[0].service) == (winner.kind, winner.service)
    assert rca.feedback_note is None
    boosted = next(h for h in rca.hypotheses if (h.kind, h.service) == (runner_up.kind, runner_up.service))
    assert boosted.score is not None and runner_up.score is not None and boosted.score > runner_up.score
