"""Alerts through the detection loop: a firing alert opens or joins the incident of its part of the graph at
the next poll (no confirmation), with its severity; redelivery changes nothing; once resolved, the incident
resolves by the usual rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.alerts.models import AlertmanagerPayload, GenericAlert
from core.clock import VirtualClock
from core.config import Settings
from core.runtime import Runtime
from demo_service import DemoService

pytestmark = pytest.mark.slow  # a runtime with the demo service, ticked for minutes of virtual time


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(_env_file=None, incident_db_path=tmp_path / "alerts.duckdb")
    rt = Runtime.start(settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False, synchronous_analysis=True)
    try:
        for _ in range(3):
            tick(rt)
        yield rt
    finally:
        rt.close()


def tick(runtime: Runtime, seconds: float = 5.0) -> None:
    runtime.clock.advance(seconds)  # type: ignore[attr-defined]
    runtime.monitor.tick()


def delivery(
    status: str, fingerprint: str = "f1", service: str = "checkout", starts: str = "2026-01-01T00:00:00Z"
) -> AlertmanagerPayload:
    return AlertmanagerPayload.model_validate(
        {
            "version": "4",
            "status": status,
            "alerts": [
                {
                    "status": status,
                    "labels": {"alertname": "CheckoutErrors", "service": service, "severity": "critical"},
                    "annotations": {"summary": "5xx above 5%"},
                    "startsAt": starts,
                    "endsAt": "2026-01-01T00:10:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
                    "fingerprint": fingerprint,
                }
            ],
        }
    )


def test_a_firing_alert_opens_an_incident_at_the_next_poll_and_resolution_closes_it(runtime: Runtime) -> None:
    alerts, outcomes = runtime.receive_alertmanager(delivery("firing"))
    assert outcomes == ["new"]
    tick(runtime)
    (incident,) = runtime.store.open_incidents()
    assert incident.severity == "SEV1" and incident.title == "Alert CheckoutErrors firing on checkout"
    assert incident.start_time == alerts[0].starts_at and incident.signals[0].rule == "alert"
    assert [a.incident_id for a in runtime.store.incident_alerts(incident.id)] == [incident.id]
    assert incident.analysis_status in ("done", "partial")  # the same analysis started

    _, again = runtime.receive_alertmanager(delivery("firing"))  # Alertmanager redelivers: nothing new
    assert again == ["duplicate"]
    tick(runtime)
    assert [i.id for i in runtime.store.open_incidents()] == [incident.id]
    assert len(runtime.store.incident_alerts(incident.id)) == 1

    _, resolved = runtime.receive_alertmanager(delivery("resolved"))
    assert resolved == ["changed"]
    tick(runtime)
    assert runtime.store.open_incidents(), "still open: the usual rule waits RESOLVE_AFTER_SECONDS"
    for _ in range(13):
        tick(runtime)
    closed = runtime.store.get_incident(incident.id)
    assert closed.status == "RESOLVED" and closed.resolved_by == "auto"
    (alert,) = runtime.store.incident_alerts(incident.id)
    assert alert.status == "resolved" and alert.deliveries == 3


def test_alerts_in_one_part_of_the_graph_join_one_incident(runtime: Runtime) -> None:
    runtime.receive_alertmanager(delivery("firing", "f1", "checkout"))
    runtime.receive_alert(GenericAlert(title="Slow queries", service="postgres", severity="warning"))
    tick(runtime)
    (incident,) = runtime.store.open_incidents()
    assert set(incident.services) == {"checkout", "postgres"}
    assert {a.service for a in runtime.store.incident_alerts(incident.id)} == {"checkout", "postgres"}


def test_an_unknown_service_opens_its_own_incident(runtime: Runtime) -> None:
    runtime.receive_alert(GenericAlert(title="Batch job late", service="nightly-batch", severity="info"))
    tick(runtime)
    (incident,) = runtime.store.open_incidents()
    assert incident.services == ["nightly-batch"] and incident.severity == "SEV4"


def test_a_generic_alert_without_start_time_is_idempotent_while_it_fires(runtime: Runtime) -> None:
    body = GenericAlert(title="Queue backlog", service="checkout")
    first, outcome = runtime.receive_alert(body)
    tick(runtime)
    second, again = runtime.receive_alert(body)
    assert (outcome, again) == ("new", "duplicate") and second.starts_at == first.starts_at
