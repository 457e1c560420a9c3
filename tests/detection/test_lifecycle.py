"""Incident lifecycle: confirmation, one incident per problem, escalation, auto-resolve, severity."""

import itertools

import pytest

from core.config import Settings
from core.detection.lifecycle import IncidentTracker, fingerprint_of, signal_severity, worst
from core.models import Incident, Signal, Topology

TOPOLOGY = Topology(
    services=["frontend", "checkout", "payments", "postgres"],
    edges=[("frontend", "checkout"), ("checkout", "payments"), ("checkout", "postgres"), ("payments", "gateway")],
    external=["gateway"],
)
SETTINGS = Settings(_env_file=None, detection_interval_seconds=5, confirmation_seconds=10, resolve_after_seconds=30)


def sig(rule: str, service: str, value: float, ts: float) -> Signal:
    return Signal(rule=rule, service=service, value=value, threshold=0.05, ts=ts, message=f"{rule} {service}")


class Loop:
    """Feeds the tracker poll by poll, applying its events like the monitor does."""

    def __init__(self) -> None:
        counter = itertools.count(1)
        self.tracker = IncidentTracker(SETTINGS, new_id=lambda: f"inc-{next(counter)}")
        self.incidents: dict[str, Incident] = {}
        self.now = 0.0

    def poll(self, *signals: tuple[str, str, float]) -> list[str]:
        self.now += 5
        fired = [sig(rule, service, value, self.now) for rule, service, value in signals]
        open_ = [i for i in self.incidents.values() if i.status != "RESOLVED"]
        events = self.tracker.observe(fired, self.now, TOPOLOGY, open_)
        for event in events:
            self.incidents[event.incident.id] = event.incident
        return [f"{e.kind}:{e.incident.id}" for e in events]


def test_a_single_blip_opens_nothing_and_two_polls_confirm() -> None:
    loop = Loop()
    assert loop.poll(("error_rate", "checkout", 0.3)) == []
    assert loop.poll() == []
    assert loop.poll(("error_rate", "checkout", 0.3)) == []
    assert loop.poll(("error_rate", "checkout", 0.3)) == ["opened:inc-1"]
    incident = loop.incidents["inc-1"]
    assert incident.start_time == 15.0  # the first poll of the confirmed streak
    assert incident.detected_at == 20.0
    assert incident.services == ["checkout"]


def test_one_incident_per_problem_then_escalation() -> None:
    loop = Loop()
    loop.poll(("latency_p95", "postgres", 1500))
    assert loop.poll(("latency_p95", "postgres", 1500)) == ["opened:inc-1"]
    assert loop.incidents["inc-1"].severity == "SEV3"
    # callers join the same incident; the user-facing one raises the severity
    assert loop.poll(("latency_p95", "postgres", 1500), ("latency_p95", "frontend", 1800)) == ["updated:inc-1"]
    incident = loop.incidents["inc-1"]
    assert incident.severity == "SEV2"
    assert incident.services == ["frontend", "postgres"]
    # nothing new: no event, still one incident
    assert loop.poll(("latency_p95", "postgres", 1500), ("latency_p95", "frontend", 1800)) == []
    assert len(loop.incidents) == 1


def test_auto_resolve_after_quiet_period_and_a_new_incident_after() -> None:
    loop = Loop()
    loop.poll(("error_rate", "checkout", 0.3))
    loop.poll(("error_rate", "checkout", 0.3))
    events = [loop.poll() for _ in range(6)]
    assert events[:5] == [[], [], [], [], []]
    assert events[5] == ["resolved:inc-1"]
    resolved = loop.incidents["inc-1"]
    assert resolved.status == "RESOLVED"
    assert resolved.end_time == 15.0
    loop.poll(("error_rate", "checkout", 0.3))
    assert loop.poll(("error_rate", "checkout", 0.3)) == ["opened:inc-2"]


def test_a_failed_poll_does_not_resolve() -> None:
    loop = Loop()
    loop.poll(("error_rate", "checkout", 0.3))
    loop.poll(("error_rate", "checkout", 0.3))
    for _ in range(10):
        loop.now += 5
        open_ = [i for i in loop.incidents.values() if i.status != "RESOLVED"]
        assert loop.tracker.observe([], loop.now, TOPOLOGY, open_, data_ok=False) == []


@pytest.mark.parametrize(
    ("rule", "service", "value", "expected"),
    [
        pytest.param("error_rate", "frontend", 0.30, "SEV1", id="user-facing-heavy-errors"),
        pytest.param("error_rate", "frontend", 0.08, "SEV2", id="user-facing-errors"),
        pytest.param("latency_p95", "frontend", 1500, "SEV2", id="user-facing-latency"),
        pytest.param("error_rate", "payments", 0.50, "SEV3", id="internal-errors"),
        pytest.param("memory", "checkout", 600, "SEV2", id="memory-over"),
        pytest.param("memory_trend", "checkout", 700, "SEV4", id="early-warning"),
        pytest.param("slow_query_logs", "postgres", 40, "SEV3", id="log-rule"),
    ],
)
def test_severity_by_impact(rule: str, service: str, value: float, expected: str) -> None:
    assert signal_severity(sig(rule, service, value, 0.0), TOPOLOGY) == expected


def test_worst_and_fingerprints() -> None:
    assert worst(["SEV3", "SEV1", "SEV4"]) == "SEV1"
    assert fingerprint_of("postgres", TOPOLOGY) == fingerprint_of("frontend", TOPOLOGY)
    assert fingerprint_of("gateway", TOPOLOGY) == fingerprint_of("frontend", TOPOLOGY)
    assert fingerprint_of("unknown-service", TOPOLOGY) != fingerprint_of("frontend", TOPOLOGY)


def test_a_new_problem_in_a_recovering_incident_opens_its_own() -> None:
    """Quiet for half the resolve wait (15 s here), the incident is recovering: a new signal, once confirmed,
    resolves it and opens another incident; until then it joins neither."""
    loop = Loop()
    loop.poll(("error_rate", "checkout", 0.3))
    assert loop.poll(("error_rate", "checkout", 0.3)) == ["opened:inc-1"]
    assert [loop.poll() for _ in range(3)] == [[], [], []]  # quiet for 15 s
    assert loop.poll(("latency_p95", "postgres", 1500), ("error_rate", "checkout", 0.2)) == []  # not confirmed
    assert loop.poll(("latency_p95", "postgres", 1500)) == ["resolved:inc-1", "opened:inc-2"]
    old, new = loop.incidents["inc-1"], loop.incidents["inc-2"]
    assert (old.status, old.end_time) == ("RESOLVED", 15.0)
    assert "a new problem began" in (old.resolution_note or "")
    assert new.services == ["postgres"] and new.start_time == 30.0


def test_a_recovering_incident_is_rejoined_by_its_own_signals_and_joined_while_active() -> None:
    loop = Loop()
    loop.poll(("error_rate", "checkout", 0.3))
    loop.poll(("error_rate", "checkout", 0.3))
    assert [loop.poll() for _ in range(3)] == [[], [], []]
    assert loop.poll(("error_rate", "checkout", 0.3)) == []  # the same problem back: still inc-1, nothing new
    assert loop.poll(("error_rate", "checkout", 0.3), ("latency_p95", "frontend", 1500)) == ["updated:inc-1"]
    assert sorted(loop.incidents["inc-1"].services) == ["checkout", "frontend"] and len(loop.incidents) == 1
