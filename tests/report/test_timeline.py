"""The report's timeline keeps the incident's key events and folds repeats; detection is counted two ways."""

from __future__ import annotations

from core.models import Anomaly, InjectedFault, Signal, TimelineEvent
from core.report import detection, timeline
from core.report.view import Header, Impact
from tests.report.views import T0, rich_view


def event(ts: float, source: str, text: str, service: str | None = "postgres") -> TimelineEvent:
    return TimelineEvent(ts=T0 + ts, service=service, source=source, description=text)


def test_repeats_fold_into_one_row_that_counts_them_and_says_until_when() -> None:
    events = [
        event(i, "detection", f"p95 latency on postgres is {1000 + 37 * i} ms (threshold 1000 ms)") for i in range(6)
    ]
    (row,) = timeline.fold(events)
    assert row.ts == T0 and row.text == (
        "p95 latency on postgres is 1000 ms (threshold 1000 ms) (and 5 more like it until 00:00:05)"
    )


def test_a_paragraph_of_sql_templates_is_one_short_row() -> None:
    sql = "duration: <*> statement: SELECT id, name, description, price_cents, stock FROM products WHERE id = <*>"
    events = [event(0, "log", f"WARN pattern '{sql} {i}' appears ({40 - i} lines, new)") for i in range(9)]
    (row,) = timeline.fold(events)
    assert len(row.text) < 2 * timeline.MAX_QUOTE + 60
    assert row.text.endswith("appears (40 lines, new) (and 8 more like it until 00:00:00)")


def test_different_events_of_one_second_share_a_row_up_to_two() -> None:
    events = [event(0, "metric", f"postgres {m} rose out of its baseline") for m in ("p50", "p95", "p99", "cpu")]
    (row,) = timeline.fold(events)
    assert row.descriptions == ["postgres p50 rose out of its baseline", "postgres p95 rose out of its baseline"]
    assert row.text.endswith("(and 2 more at this time)")


def test_when_rows_must_go_faults_and_detection_stay_in_time_order() -> None:
    events = [event(i, "log", f"ERROR pattern {i} appears", service=f"s{i}") for i in range(20)]
    events += [event(30, "fault", "Fault injected: db_slow"), event(31, "detection", "Incident opened", None)]
    rows, hidden = timeline.key_rows(events, limit=5)
    assert hidden == 17
    assert [r.source for r in rows] == ["log", "log", "log", "fault", "detection"]
    assert [r.ts for r in rows] == sorted(r.ts for r in rows)


def test_the_view_renders_its_timeline_folded() -> None:
    rows, hidden = rich_view().timeline_rows()
    assert hidden == 0 and rows[0].text == "error rate up; p95 up"


def header(**changes: object) -> Header:
    signal = Signal(
        rule="error_rate", service="checkout", metric="error_rate", value=0.3, threshold=0.05, ts=T0, message="m"
    )
    base = Header(
        incident_id="i",
        title="t",
        severity="SEV2",
        status="OPEN",
        services=["checkout", "frontend"],
        signals=[signal],
        start_time=T0,
        detected_at=T0 + 10,
    )
    return base.model_copy(update=changes)


IMPACT = Impact(services=["checkout", "frontend"], start_ts=T0, end_ts=T0 + 60, resolved=False)


def fault(kind: str, target: str, start: float, length: float = 120) -> InjectedFault:
    return InjectedFault(
        id=kind, type=kind, target=target, intensity=1, started_at=T0 + start, expires_at=T0 + start + length
    )


def test_detection_counts_from_the_fault_and_from_the_first_sign_each_labelled() -> None:
    onset = Anomaly(
        service="checkout",
        metric="error_rate",
        start_ts=T0 - 4,
        peak_ts=T0 + 5,
        baseline=0.01,
        observed=0.4,
        score=9,
        direction="up",
    )
    found = detection.detection_of(
        header(), IMPACT, top=rich_view().top_cause, anomalies=[onset], faults=[fault("error_rate", "checkout", -7)]
    )
    assert (found.after_fault, found.after_first_sign) == (17.0, 14.0)
    assert found.sentence() == (
        "Detected 17 s after the injected fault (error_rate on checkout, 23:59:53 UTC) and 14 s after the first sign "
        "in the data (checkout error_rate left its baseline, 23:59:56 UTC)."
    )


def test_without_a_fault_detection_counts_from_the_first_signal_at_the_latest() -> None:
    elsewhere = fault("db_slow", "postgres", -300, length=60)  # ended long before, on a service not involved
    found = detection.detection_of(header(), IMPACT, top=None, faults=[elsewhere])
    assert found.fault is None and found.after_fault is None
    assert found.after_first_sign == 10.0 and found.first_sign == "error_rate rule on checkout"
    assert found.sentence().startswith("Detected 10 s after the first sign in the data (error_rate rule on checkout")


def test_the_earliest_fault_on_the_cause_counts_and_signs_before_the_onset_window_do_not() -> None:
    faults = [fault("latency_spike", "catalog", -20), fault("error_rate", "checkout", -15), fault("x", "checkout", -9)]
    old = event(-600, "metric", "checkout error_rate crossed the 5.0% threshold", service="checkout")
    found = detection.detection_of(header(), IMPACT, top=rich_view().top_cause, timeline=[old], faults=faults)
    assert (found.fault, found.fault_ts) == ("error_rate on checkout", T0 - 15)
    assert found.first_sign_ts == T0
