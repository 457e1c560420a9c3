"""Fingerprints, their similarity, and the bounded shift that verdicts on similar incidents give a cause."""

from __future__ import annotations

import math

import pytest

from core.memory.feedback_prior import feedback_shifts
from core.memory.fingerprint import Fingerprint, parse_cause, verdict_causes
from core.memory.precedent import Precedent, similar_incidents
from core.memory.similarity import EVIDENCE_PARTS, PART_WEIGHTS, similarity
from core.models import Feedback
from tests.factories import checkout_incident

POOL = Fingerprint(
    causes=["connection_pool_exhaustion@checkout", "error_rate@checkout"],
    services=["checkout", "frontend"],
    rules=["db_pool@checkout", "error_rate@checkout"],
    patterns=["t1", "t2"],
    metrics=["checkout/error_rate/up", "checkout/latency_p95_ms/up"],
)


def _precedent(pid: str, fp: Fingerprint, at: float = 0.0) -> Precedent:
    return Precedent(id=pid, title=pid, detected_at=at, fingerprint=fp)


def test_identical_fingerprints_are_1_and_disjoint_ones_0() -> None:
    other = Fingerprint(causes=["db_slow@postgres"], services=["postgres"], rules=["latency@postgres"])
    assert similarity(POOL, POOL) == 1.0
    assert similarity(POOL, other) == 0.0
    assert similarity(Fingerprint(), Fingerprint()) == 0.0  # nothing known says nothing


def test_each_part_weighs_by_its_weight_over_the_parts_either_has() -> None:
    # Same evidence, a different top cause: only the causes part (weight 3) disagrees.
    renamed = POOL.model_copy(update={"causes": ["error_rate@checkout"]})
    weights = sum(PART_WEIGHTS.values())
    assert similarity(POOL, renamed) == pytest.approx((weights - PART_WEIGHTS["causes"]) / weights)
    # A part neither has is left out rather than counted as agreement.
    bare = POOL.model_copy(update={"patterns": []})
    assert similarity(bare, bare.model_copy(update={"causes": ["x@y"]})) == pytest.approx(
        (weights - PART_WEIGHTS["patterns"] - PART_WEIGHTS["causes"]) / (weights - PART_WEIGHTS["patterns"])
    )


def test_a_confirmed_cause_replaces_the_named_one() -> None:
    corrected = POOL.model_copy(update={"confirmed": ["db_slow@postgres"]})
    named_db = POOL.model_copy(update={"causes": ["db_slow@postgres"]})
    assert similarity(corrected, named_db) == 1.0
    assert similarity(corrected, POOL) < 1.0


def test_verdicts_become_confirmed_and_rejected_causes() -> None:
    incident = checkout_incident("inc-1", 0.0).model_copy(
        update={"root_cause_kind": "error_rate", "root_cause_service": "checkout"}
    )
    right = Feedback(incident_id=incident.id, verdict="right", by="a", created_at=0.0)
    wrong = Feedback(
        incident_id=incident.id, verdict="wrong", actual_cause="db_slow on postgres", by="a", created_at=0.0
    )
    vague = wrong.model_copy(update={"actual_cause": "the database, probably"})
    assert verdict_causes(incident, right) == (["error_rate@checkout"], [])
    assert verdict_causes(incident, wrong) == (["db_slow@postgres"], ["error_rate@checkout"])
    assert verdict_causes(incident, vague) == ([], ["error_rate@checkout"])
    assert verdict_causes(incident, None) == ([], [])
    assert parse_cause("db_slow@postgres") == ("db_slow", "postgres") and parse_cause("a; DROP TABLE x") is None


def test_similar_incidents_are_those_at_or_above_the_threshold_most_similar_first() -> None:
    near = POOL.model_copy(update={"patterns": ["t1"]})
    far = Fingerprint(causes=["db_slow@postgres"], services=["postgres"])
    found = similar_incidents(
        POOL, [_precedent("far", far), _precedent("near", near, 1.0), _precedent("same", POOL, 2.0)], 0.6
    )
    assert [s.id for s in found] == ["same", "near"]
    assert found[0].similarity == 1.0 and 0.6 <= found[1].similarity < 1.0


def test_confirmations_raise_and_rejections_lower_a_cause_within_the_bound() -> None:
    evidence = POOL.model_copy(update={"causes": []})
    confirmed = [
        _precedent(f"c{n}", POOL.model_copy(update={"confirmed": ["connection_pool_exhaustion@checkout"]}))
        for n in range(5)
    ]
    rejected = [_precedent("r", POOL.model_copy(update={"rejected": ["error_rate@checkout"]}))]
    shifts = feedback_shifts(evidence, confirmed + rejected, threshold=0.6, max_boost=1.0)
    up, down = shifts[("connection_pool_exhaustion", "checkout")], shifts[("error_rate", "checkout")]
    assert 0.99 < up.units < 1.0 and up.confirmed == tuple(f"c{n}" for n in range(5))  # five: near, never over
    assert down.units == pytest.approx(-math.tanh(1.0)) and down.rejected == ("r",)


def test_verdicts_on_dissimilar_incidents_or_without_a_verdict_move_nothing() -> None:
    evidence = POOL.model_copy(update={"causes": []})
    elsewhere = Fingerprint(services=["postgres"], rules=["latency@postgres"], confirmed=["db_slow@postgres"])
    assert similarity(evidence, elsewhere, EVIDENCE_PARTS) < 0.6
    assert (
        feedback_shifts(evidence, [_precedent("e", elsewhere), _precedent("n", POOL)], threshold=0.6, max_boost=1.0)
        == {}
    )
