"""``calibrate --from-feedback`` on a real DuckDB file: verdicts on over-confident reports refit the confidences,
the tables print before and after, too few verdicts or ``--dry-run`` change nothing, and analyses use the refit.

The reports are the agents' own, on synthetic faults (``tests.factories``), stored through the store's public
API as the analyses of incidents that responders then judged.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

import pytest

from core.agents.recalibration import PlattMap
from core.agents.root_cause import MAX_CONFIDENCE
from core.catalogue.service_kinds import ERROR_RATE_KIND
from core.cli.main import main
from core.models import Feedback, ReportOutput, RootCauseOutput
from core.report.view import ReportView
from core.store import Store
from tests.factories import checkout_incident, make_context, run_agents

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
#: Three of every five verdicts say "right": the reports state 95 % and are right 60 % of the time.
RIGHT_OF_FIVE = 3


@cache
def _views(refit: PlattMap | None = None) -> tuple[ReportView, ...]:
    """The reporter's views of three clear faults (each states its top cause at 95 % unless ``refit`` maps it)."""
    found = []
    for kind, target in (("error_rate", "checkout"), ("db_slow", "postgres"), ("memory_leak", "checkout")):
        ctx = dataclasses.replace(make_context(kind, target, seed=1), recalibration=refit)
        report = run_agents(ctx)["reporter"]
        assert isinstance(report, ReportOutput) and report.view is not None
        found.append(report.view)
    return tuple(found)


def _seed(store: Store, count: int, refit: PlattMap | None = None) -> None:
    """``count`` analysed incidents with a verdict each: right three times in five, else wrong with another cause;
    analysed under ``refit`` when given."""
    for n in range(count):
        incident_id = f"inc-{n:03d}"
        at = T0 + 600 * n
        store.save_incident(checkout_incident(incident_id, at))
        view = _views(refit)[n % 3]
        stored = view.model_copy(
            update={
                "header": view.header.model_copy(update={"incident_id": incident_id}),
                "analysis_id": f"analysis-{n:03d}",
                "revision": 1,
                "generated_at": at + 5,
            }
        )
        store.save_analysis(stored, None, at)
        verdict = "right" if n % 5 < RIGHT_OF_FIVE else "wrong"
        actual = "" if verdict == "right" else "cache_failure on redis"
        store.save_feedback(
            Feedback(incident_id=incident_id, verdict=verdict, actual_cause=actual, by="oncall", created_at=at + 60)
        )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "calibrate.duckdb"


def _calibrate(db: Path, *extra: str) -> int:
    return main(["calibrate", "--from-feedback", "--db", str(db), "--by", "tester", *extra])


def test_over_confident_verdicts_refit_the_confidence_toward_the_share_right(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(db)
    _seed(store, 25)
    store.close()
    assert _calibrate(db) == 0
    out = capsys.readouterr().out
    assert "Verdicts: 25 (25 judged causes)" in out and "In force: the benchmark's calibration alone" in out
    assert "== Before: the calibration in force" in out and "== After: the refit" in out
    assert out.count("confidence          n  mean conf  share right") == 2 and "ECE 0." in out and " -> " in out
    store = Store(db)
    try:
        (saved,) = store.calibrations()
    finally:
        store.close()
    assert (saved.version, saved.verdicts, saved.fitted_by) == (1, 25, "tester")
    assert saved.before is not None and saved.after is not None
    (top_before,) = [b for b in saved.before.bins if b.count]
    (top_after,) = [b for b in saved.after.bins if b.count]
    assert (top_before.low, top_before.count, top_before.share_right) == (0.95, 25, 0.6)
    assert top_before.mean_confidence == pytest.approx(0.95)
    assert (top_after.count, top_after.share_right) == (25, 0.6)
    assert 0.6 <= top_after.mean_confidence < 0.8  # toward the 60 % right; the prior holds back a little
    assert saved.after.ece < saved.before.ece and saved.after.log_loss < saved.before.log_loss
    refit = saved.map
    assert refit(0.2) < refit(0.5) < refit(0.95)  # the ranking is kept
    fresh = run_agents(dataclasses.replace(make_context("db_slow", "postgres", seed=7), recalibration=refit))
    rca = fresh["root_cause"]
    assert isinstance(rca, RootCauseOutput) and rca.hypotheses[0].kind == "db_slow"
    assert rca.hypotheses[0].confidence == pytest.approx(top_after.mean_confidence, abs=1e-3)  # 69 %, not 95 %


def test_a_second_refit_fits_on_the_confidences_before_the_first(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = PlattMap(slope=0.8, intercept=-1.0)  # in force while these incidents were analysed
    store = Store(db)
    store.save_calibration(first, verdicts=40, by="tester", at=T0)
    _seed(store, 25, refit=first)
    store.close()
    assert _calibrate(db) == 0
    out = capsys.readouterr().out
    before = out.split("== Before", 1)[1].split("== After", 1)[0]
    assert f"{25:>7}{first(0.95):11.3f}{0.6:13.3f}" in before  # what they stated under the first refit
    store = Store(db)
    try:
        second = store.latest_calibration()
    finally:
        store.close()
    assert second is not None and second.version == 2
    assert (second.slope, second.intercept) == (0.461, -0.56)  # the same as from a history stated at 95 %


def test_too_few_verdicts_change_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(db)
    _seed(store, 19)
    store.close()
    assert _calibrate(db) == 1
    out = capsys.readouterr().out
    assert "Only 19 verdict(s); at least 20 are needed (--min-verdicts): nothing was changed." in out
    assert "== After" not in out
    store = Store(db)
    try:
        assert store.calibrations() == []
    finally:
        store.close()
    assert _calibrate(db, "--min-verdicts", "10", "--dry-run") == 0  # the threshold is the caller's to lower


def test_a_dry_run_prints_both_tables_and_stores_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(db)
    _seed(store, 20)
    store.close()
    assert _calibrate(db, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "== Before" in out and "== After: the refit" in out and "Dry run: nothing was stored." in out
    store = Store(db)
    try:
        assert store.calibrations() == []
    finally:
        store.close()


def test_reset_stores_the_identity_and_keeps_the_history(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(db)
    _seed(store, 20)
    store.close()
    assert _calibrate(db) == 0
    assert main(["calibrate", "--reset", "--db", str(db), "--by", "lead"]) == 0
    out = capsys.readouterr().out
    assert "In force: calibration 1, the refit" in out and "== After: the benchmark's calibration alone" in out
    store = Store(db)
    try:
        latest, first = store.calibrations()
    finally:
        store.close()
    assert latest.map.identity and latest.fitted_by == "lead" and not first.map.identity


def test_the_agent_maps_its_confidences_and_keeps_the_ranking() -> None:
    ctx = make_context("db_slow", "postgres", seed=1)
    plain = run_agents(ctx)["root_cause"]
    softer = PlattMap(slope=0.7, intercept=-1.0)
    mapped = run_agents(dataclasses.replace(ctx, recalibration=softer))["root_cause"]
    assert isinstance(plain, RootCauseOutput) and isinstance(mapped, RootCauseOutput)
    assert [(h.kind, h.service) for h in mapped.hypotheses] == [(h.kind, h.service) for h in plain.hypotheses]
    assert len(plain.hypotheses) == 2 and all(h.base_confidence is None for h in plain.hypotheses)
    for before, after in zip(plain.hypotheses, mapped.hypotheses, strict=True):
        assert after.base_confidence == before.confidence
        assert after.confidence == pytest.approx(min(MAX_CONFIDENCE, softer(before.confidence)), abs=1e-3)
        assert after.confidence < before.confidence
    assert f"({mapped.hypotheses[0].confidence:.0%} confidence)" in mapped.summary  # the report states the refit


def _simulated_top(db: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    args = ["simulate", "--fault", "error_rate", "--duration", "300", "--seed", "1", "--json", "--db", str(db)]
    assert main(args) == 0
    (incident,) = json.loads(capsys.readouterr().out)["incidents"]
    return incident["root_causes"][0]


def test_a_simulated_analysis_uses_the_stored_refit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _simulated_top(tmp_path / "plain.duckdb", capsys)
    refit = PlattMap(slope=0.8, intercept=-0.7)
    calibrated = tmp_path / "calibrated.duckdb"
    store = Store(calibrated)
    store.save_calibration(refit, verdicts=30, by="tester", at=T0)
    store.close()
    mapped = _simulated_top(calibrated, capsys)
    assert (mapped["kind"], mapped["service"]) == (plain["kind"], plain["service"])
    assert mapped["confidence"] == pytest.approx(refit(plain["confidence"]), abs=1e-3)
    assert mapped["confidence"] < plain["confidence"]
    store = Store(calibrated)
    try:
        (incident,) = store.list_incidents()
        view = incident.final_summary
        assert view is not None and view.causes[0].base_confidence == plain["confidence"]
        store.save_calibration(PlattMap(), verdicts=30, by="tester", at=T0 + 1)  # a reset: the identity
    finally:
        store.close()


def test_twin_causes_stay_tied_under_a_refit() -> None:
    twin = dataclasses.replace(ERROR_RATE_KIND, kind="regression", label="code regression")
    ctx = make_context("error_rate", "checkout", seed=4)
    ambiguous = dataclasses.replace(ctx, catalogue=[], signatures={"error_rate": ERROR_RATE_KIND, "regression": twin})
    bolder = PlattMap(slope=1.0, intercept=2.5)
    out = run_agents(dataclasses.replace(ambiguous, recalibration=bolder))["root_cause"]
    assert isinstance(out, RootCauseOutput)
    first, second = out.hypotheses[:2]
    assert first.confidence == second.confidence and first.group == second.group
    assert first.confidence + second.confidence <= 1.0 + 1e-3  # two causes of one group exclude each other
