"""Root-cause scoring with a call graph from a file: sizes that add up along calls, an alerted symptom that is
explained first, and symptoms that begin after a known onset."""

from __future__ import annotations

import pandas as pd
import pytest

from core.agents.moves import central_first, moves
from core.agents.rca_facts import Facts, Symptom
from core.agents.rca_scoring import score_candidate
from core.agents.root_cause import explains_alert, rank
from core.models import ALERT_RULE, Signal, Topology
from core.offline.kinds import signatures_for

GRAPH = Topology(services=["web", "api", "db", "batch"], edges=[("web", "api"), ("api", "db")])
KINDS = signatures_for(["latency", "latency_p99", "cpu", "availability"], graph=True)


def _sym(baseline: float, observed: float, start: float = 0.0, strength: float = 1.0, direction: str = "up") -> Symptom:
    return Symptom(strength, start, baseline, observed, 30.0, direction)


def _facts(symptoms: dict, move: dict | None = None, *, signals: tuple = (), onset: float | None = None) -> Facts:
    return Facts(
        symptoms=symptoms,
        observed=frozenset(symptoms) | frozenset(move or {}),
        patterns=(),
        signals=signals,
        topology=GRAPH,
        window=(0.0, 900.0),
        step=300.0,
        logs_available=False,
        moves=move or {},
        onset=onset,
    )


def test_moves_are_window_median_minus_the_level_before_signed_the_bad_way() -> None:
    rows = [(t, "api", m, v) for t, v in ((0, 0.1), (300, 0.1), (600, 0.5), (900, 0.5)) for m in ("latency",)]
    rows += [(t, "api", "availability", v) for t, v in ((0, 100.0), (300, 100.0), (600, 90.0), (900, 92.0))]
    frame = pd.DataFrame(rows, columns=["ts", "service", "metric", "value"])
    found = moves(frame, (0.0, 600.0), (600.0, 900.0), None)
    assert found == {("api", "latency"): pytest.approx(0.4), ("api", "availability"): pytest.approx(9.0)}
    assert moves(frame, (0.0, 600.0), (600.0, 900.0), recent_start=300.0)[("api", "latency")] == pytest.approx(0.4)


def test_central_first_puts_the_mean_before_quantiles() -> None:
    assert central_first(["latency_p99", "latency", "latency_p50"]) == ("latency", "latency_p50", "latency_p99")


def test_share_is_the_ratio_of_moves_in_the_mean_when_both_were_measured() -> None:
    facts = _facts({}, {("db", "latency"): 0.005, ("api", "latency"): 0.4, ("db", "latency_p99"): 0.9})
    assert facts.share("db", "api", ["latency_p99", "latency"]) == pytest.approx(0.0125)
    assert facts.share("api", "db", ["latency"]) == 1.0
    assert facts.share("web", "api", ["latency"]) == 1.0  # web not measured: nothing to weigh


def test_a_callee_five_ms_slower_does_not_take_the_blame_for_a_caller_400_ms_slower() -> None:
    symptoms = {
        ("api", "latency"): _sym(0.2, 0.6),
        ("db", "latency_p99"): _sym(0.01, 0.1),
        ("db", "latency"): _sym(0.004, 0.009, strength=0.6),
    }
    move = {("api", "latency"): 0.4, ("db", "latency"): 0.005, ("web", "latency"): 0.4}
    facts = _facts(symptoms, move)
    api, db = score_candidate("api", KINDS["latency"], facts), score_candidate("db", KINDS["latency"], facts)
    assert api is not None and db is not None
    assert api.total > db.total
    assert ("web", "latency") not in db.explained  # web is not affected: nothing reaches it through web


def test_a_callee_that_moved_as_much_is_the_better_culprit() -> None:
    symptoms = {
        ("api", "latency"): _sym(0.2, 0.6),
        ("db", "latency"): _sym(0.01, 0.41),
        ("web", "latency"): _sym(0.3, 0.7),
    }
    move = {("api", "latency"): 0.4, ("db", "latency"): 0.4, ("web", "latency"): 0.4}
    facts = _facts(symptoms, move)
    api, db = score_candidate("api", KINDS["latency"], facts), score_candidate("db", KINDS["latency"], facts)
    assert api is not None and db is not None and db.total > api.total
    assert {("web", "latency"), ("api", "latency")} <= db.explained


def test_the_alerted_symptom_is_explained_first_and_an_independent_cause_still_named() -> None:
    alert = Signal(rule=ALERT_RULE, service="web", metric="latency", value=0.0, threshold=0.0, ts=0.0, message="")
    symptoms = {
        ("db", "latency"): _sym(0.01, 0.41, strength=0.7),
        ("api", "latency"): _sym(0.2, 0.6, strength=0.7),
        ("web", "latency"): _sym(0.3, 0.7, strength=0.7),
        ("batch", "cpu"): _sym(3.0, 99.0),  # stronger, but it explains nothing the alert reported
        ("batch", "latency"): _sym(2.0, 9.0),
    }
    move = {("db", "latency"): 0.4, ("api", "latency"): 0.4, ("web", "latency"): 0.4, ("batch", "latency"): 7.0}
    pairs = [(svc, KINDS[kind]) for svc in GRAPH.services for kind in ("latency", "cpu")]
    ranked = rank(_facts(symptoms, move, signals=(alert,)), pairs)
    assert (ranked[0].service, ranked[0].kind) == ("db", "latency")
    assert ("batch", "cpu") in [(h.service, h.kind) for h in ranked]
    without = rank(_facts(symptoms, move), pairs)
    assert (without[0].service, without[0].kind) == ("batch", "cpu")


def test_explains_alert_matches_the_symptom_kind() -> None:
    alert = Signal(rule=ALERT_RULE, service="web", metric="latency_p99", value=0.0, threshold=0.0, ts=0.0, message="")
    facts = _facts({(svc, "latency"): _sym(0.1, 0.5) for svc in ("web", "api", "db")})
    db = score_candidate("db", KINDS["latency"], facts)
    assert db is not None and explains_alert(db, alert)
    other = alert.model_copy(update={"metric": "availability"})
    assert not explains_alert(db, other) and not explains_alert(db, None)


def test_symptoms_that_begin_after_a_known_onset_mark_a_consequence() -> None:
    symptoms = {("batch", "cpu"): _sym(3.0, 99.0, start=600.0)}
    late = score_candidate("batch", KINDS["cpu"], _facts(symptoms, onset=0.0))
    on_time = score_candidate("batch", KINDS["cpu"], _facts({("batch", "cpu"): _sym(3.0, 99.0, start=0.0)}, onset=0.0))
    unknown = score_candidate("batch", KINDS["cpu"], _facts(symptoms))
    assert late is not None and on_time is not None and unknown is not None
    assert late.total == pytest.approx(on_time.total - 1.0) == pytest.approx(unknown.total - 1.0)
    assert "began after the incident's onset" in "; ".join(late.notes)
