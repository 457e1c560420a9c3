"""From a delivered body to stored alerts: which service, which severity, which identity.

The service is the first non-empty label of ``ALERT_SERVICE_LABELS`` (default ``service``, then ``job``):
those are the labels Prometheus targets and rules carry by convention. The severity comes from a
``severity`` label: the SEV levels themselves, P1-P4, or the words teams use (critical/page -> SEV1,
error/high/major -> SEV2, warning/medium/minor -> SEV3, info/low/none -> SEV4); an alert without one is
SEV3: it says something is wrong, but not that users are hit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from core.alerts.models import MAX_TEXT_CHARS, Alert, AlertmanagerPayload, GenericAlert
from core.models import Severity
from core.redaction import redact_url

UNKNOWN_SERVICE = "unknown"
DEFAULT_SEVERITY: Severity = "SEV3"
_SEVERITY_WORDS: dict[str, Severity] = {
    **{word: "SEV1" for word in ("sev1", "p1", "critical", "crit", "page", "emergency", "fatal", "disaster")},
    **{word: "SEV2" for word in ("sev2", "p2", "error", "high", "major", "severe")},
    **{word: "SEV3" for word in ("sev3", "p3", "warning", "warn", "medium", "minor", "average")},
    **{word: "SEV4" for word in ("sev4", "p4", "p5", "info", "informational", "low", "none", "notice", "debug")},
}


def severity_of(value: str | None) -> Severity:
    """The SEV level a severity label or word stands for; ``DEFAULT_SEVERITY`` when absent or unknown."""
    return _SEVERITY_WORDS.get((value or "").strip().lower(), DEFAULT_SEVERITY)


def service_of(labels: Mapping[str, str], service_labels: Sequence[str]) -> str:
    """The first non-empty label of ``service_labels``; ``UNKNOWN_SERVICE`` when none is present."""
    return next((labels[name] for name in service_labels if labels.get(name)), UNKNOWN_SERVICE)


def unix(value: datetime | float | None) -> float | None:
    """Unix seconds of a timestamp; None for None and for Go's zero time (year 1), which means unset."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if value.year <= 1:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _clip(values: Mapping[str, str]) -> dict[str, str]:
    return {str(k)[:200]: str(v)[:MAX_TEXT_CHARS] for k, v in values.items()}


def from_alertmanager(payload: AlertmanagerPayload, service_labels: Sequence[str], now: float) -> list[Alert]:
    """One ``Alert`` per entry of the payload (its own status; ``endsAt`` only once resolved)."""
    alerts = []
    for item in payload.alerts:
        labels = _clip(item.labels)
        starts = unix(item.startsAt) or now
        ends = unix(item.endsAt) if item.status == "resolved" else None
        alerts.append(
            Alert(
                source="alertmanager",
                fingerprint=item.fingerprint or fingerprint_of(labels),
                starts_at=starts,
                name=labels.get("alertname", "alert")[:500],
                status=item.status,
                service=service_of(labels, service_labels),
                severity=severity_of(labels.get("severity")),
                labels=labels,
                annotations=_clip(item.annotations),
                ends_at=ends if ends is not None else (now if item.status == "resolved" else None),
                generator_url=redact_url(item.generatorURL) if item.generatorURL else None,
                received_at=now,
                last_received_at=now,
            )
        )
    return alerts


def from_generic(body: GenericAlert, now: float) -> Alert:
    """The ``Alert`` of a generic body: resolved when ``ends_at`` has passed, firing otherwise."""
    labels = _clip(body.labels)
    ends = unix(body.ends_at)
    severity = body.severity or labels.get("severity")
    return Alert(
        source="generic",
        fingerprint=fingerprint_of({**labels, "title": body.title, "service": body.service}),
        starts_at=unix(body.starts_at) or now,
        name=body.title,
        status="resolved" if ends is not None and ends <= now else "firing",
        service=body.service,
        severity=severity_of(severity),
        labels=labels,
        ends_at=ends,
        received_at=now,
        last_received_at=now,
    )


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable id of a label set (as Alertmanager fingerprints one): 16 hex digits of its SHA-256."""
    return hashlib.sha256(json.dumps(dict(sorted(labels.items()))).encode()).hexdigest()[:16]
