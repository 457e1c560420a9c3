"""From delivered bodies to stored alerts: service labels, severity words, times, fingerprints, redaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.alerts.mapping import UNKNOWN_SERVICE, fingerprint_of, from_alertmanager, from_generic, severity_of
from core.alerts.models import AlertmanagerPayload, GenericAlert

NOW = 1_800_000_000.0


def payload(*alerts: dict, status: str = "firing") -> AlertmanagerPayload:
    return AlertmanagerPayload.model_validate(
        {"version": "4", "status": status, "groupKey": "g", "alerts": list(alerts)}
    )


def am_alert(labels: dict, status: str = "firing", **extra: object) -> dict:
    return {
        "status": status,
        "labels": labels,
        "startsAt": "2027-01-15T08:00:00.5Z",
        "endsAt": "0001-01-01T00:00:00Z",
        **extra,
    }


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", "SEV1"),
        ("PAGE", "SEV1"),
        ("error", "SEV2"),
        ("warning", "SEV3"),
        ("info", "SEV4"),
        ("sev2", "SEV2"),
        ("P4", "SEV4"),
        ("", "SEV3"),
        (None, "SEV3"),
        ("purple", "SEV3"),
    ],
)
def test_severity_words(word: str | None, severity: str) -> None:
    assert severity_of(word) == severity


def test_service_comes_from_the_first_label_of_the_list() -> None:
    (both,) = from_alertmanager(
        payload(am_alert({"alertname": "A", "service": "payments", "job": "shop"})), ("service", "job"), NOW
    )
    (job,) = from_alertmanager(payload(am_alert({"alertname": "A", "job": "shop"})), ("service", "job"), NOW)
    (none,) = from_alertmanager(payload(am_alert({"alertname": "A"})), ("service", "job"), NOW)
    (custom,) = from_alertmanager(payload(am_alert({"alertname": "A", "app": "cart"})), ("app",), NOW)
    assert (both.service, job.service, none.service, custom.service) == ("payments", "shop", UNKNOWN_SERVICE, "cart")


def test_alertmanager_times_status_and_fingerprint() -> None:
    firing, resolved = from_alertmanager(
        payload(
            am_alert(
                {"alertname": "HighErrors", "service": "checkout", "severity": "critical"},
                fingerprint="abc123",
                generatorURL="http://user:pw@prom:9090/graph?g0.expr=up&token=s3cret",
            ),
            am_alert({"alertname": "Slow", "service": "catalog"}, status="resolved", endsAt="2027-01-15T08:05:00Z"),
        ),
        ("service", "job"),
        NOW,
    )
    assert firing.starts_at == datetime(2027, 1, 15, 8, 0, 0, 500_000, tzinfo=UTC).timestamp()
    assert (firing.status, firing.ends_at, firing.fingerprint, firing.name) == ("firing", None, "abc123", "HighErrors")
    assert firing.generator_url == "http://prom:9090/graph"  # no credentials, no query
    assert (resolved.status, resolved.ends_at) == ("resolved", datetime(2027, 1, 15, 8, 5, tzinfo=UTC).timestamp())
    assert resolved.fingerprint == fingerprint_of(resolved.labels)  # none given: derived from the labels


def test_generic_alert_firing_and_resolved() -> None:
    firing = from_generic(
        GenericAlert(title="Queue backlog", service="checkout", severity="SEV2", starts_at=NOW - 60), NOW
    )
    assert (firing.status, firing.severity, firing.starts_at, firing.source) == ("firing", "SEV2", NOW - 60, "generic")
    later = from_generic(GenericAlert(title="Queue backlog", service="checkout", ends_at="2020-01-01T00:00:00Z"), NOW)
    assert later.status == "resolved" and later.fingerprint == firing.fingerprint
    other = from_generic(GenericAlert(title="Queue backlog", service="payments"), NOW)
    assert other.fingerprint != firing.fingerprint
