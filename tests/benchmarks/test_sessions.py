"""The sessions benchmark: its plans, and how it scores each fault (own, merged, split, missed; first and final)."""

from __future__ import annotations

import math

from benchmarks.sessions import plan, scoring
from benchmarks.sessions.report import report

KINDS = [("error_rate", ["checkout", "payments"]), ("db_slow", ["postgres"]), ("cpu_saturation", ["cache"])]


def test_a_session_is_a_seeded_sequence_of_10_to_15_faults_60_to_150_s_apart() -> None:
    for seed in range(1, 8):
        session = plan.session(seed, KINDS)
        assert session == plan.session(seed, KINDS)  # reproducible
        assert 10 <= len(session.faults) <= 15
        for before, after in zip(session.faults, session.faults[1:], strict=False):
            gap = after.start_s - (before.start_s + before.duration_s)
            assert 60 <= gap <= 150
        assert all(0.3 <= f.intensity <= 1.0 and 45 <= f.duration_s <= 120 for f in session.faults)
        last = session.faults[-1]
        assert session.duration == last.start_s + last.duration_s + plan.TAIL_SECONDS
    assert plan.session(1, KINDS) != plan.session(2, KINDS)


def _fault(fid: str, kind: str, target: str, at: float) -> dict:
    fault = {"id": fid, "type": kind, "target": target, "intensity": 0.5, "started_at": at, "start_s": at}
    return fault | {"promised_s": 20.0}


def _incident(faults: list[str], first: tuple[str, str] | None, final: tuple[str, str] | None, delay: float) -> dict:
    def causes(top: tuple[str, str] | None) -> list[dict]:
        return [{"service": top[0], "kind": top[1], "confidence": 0.9}] if top else []

    return {
        "faults": faults,
        "first_root_causes": causes(first),
        "root_causes": causes(final),
        "detection_delay_s": delay,
    }


ROW = {
    "seed": 7,
    "faults": [
        _fault("f1", "error_rate", "checkout", 0),
        _fault("f2", "db_slow", "postgres", 200),
        _fault("f3", "cpu_saturation", "cache", 400),
        _fault("f4", "error_rate", "payments", 600),
        _fault("f5", "db_slow", "postgres", 800),
    ],
    "incidents": [
        _incident(["f1"], ("checkout", "error_rate"), ("checkout", "error_rate"), 10),  # right
        _incident(["f2", "f3"], ("postgres", "cpu_saturation"), ("postgres", "db_slow"), 15),  # f3 merged
        _incident(["f4"], ("payments", "error_rate"), ("payments", "error_rate"), 30),
        _incident(["f4"], ("payments", "error_rate"), ("payments", "error_rate"), 90),  # f4 split
        _incident([], ("cache", "cpu_saturation"), None, 0),  # explains nothing: a false incident
    ],
}


def test_each_fault_is_scored_by_the_incident_it_opened() -> None:
    checkout, db, cache, payments, missed = scoring.score_faults(ROW)  # in the order of the faults
    assert checkout.final_right and checkout.first_right and checkout.delay == 10
    assert db.own and db.final_right and not db.first_right and db.first_named == "cpu_saturation@postgres"
    assert cache.merged and not cache.own and not cache.final_right and cache.delay is None
    assert payments.split and payments.own and payments.delay == 30
    assert missed.incidents == 0 and not missed.own and missed.final_named == "-"
    figures = scoring.headline([checkout, db, cache, payments, missed])
    assert figures["faults"] == 5 and figures["final_top1"] == 3 / 5 and figures["first_top1"] == 2 / 5
    assert (figures["merged"], figures["split"], figures["missed"]) == (1 / 5, 1 / 5, 1 / 5)
    assert figures["merged_or_split"] == 2 / 5 and figures["delay_p50"] == 15 and scoring.false_incidents([ROW]) == 1
    assert math.isclose(figures["delay_p95"], 28.5)
    assert figures["kept_promise"] == 2 / 3  # 10 and 15 s within the promised 20 s, 30 s not
    assert (figures["first_top1_detected"], figures["final_top1_detected"]) == (2 / 4, 3 / 4)  # f5 opened nothing


def test_the_report_checks_the_issue_targets() -> None:
    lines, ok = report([ROW])
    assert not ok
    assert any(line.startswith("final_top1") and "MISSED" in line for line in lines)
    assert any("cpu_saturation@cache:0.5 (merged)" in line for line in lines)
