"""An incident's fingerprint: what it looked like, as sets of tokens that another incident can share.

Six parts, each a set of plain strings: the causes the analysis named (``kind@service``), the causes responders
confirmed through feedback, the services affected, the rules and alerts that fired (``rule@service``), the ids
of the log patterns that stood out, and the direction of the metric evidence (``service/metric/up``). Built
from the stored report (pure), so it is refreshed whenever an analysis or a verdict is stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # only annotations: core.models imports the report view, which lists similar incidents
    from core.models import Anomaly, Feedback, Incident

#: "kind on service" (or "kind@service"), the form the feedback form asks for; anything else is not a cause.
_CAUSE_TEXT = re.compile(r"^\s*([\w.-]+)\s*(?:@|\s+on\s+)\s*([\w.-]+)\s*$", re.IGNORECASE)


class Fingerprint(BaseModel):
    """The token sets of one incident (every part may be empty: an incident before its analysis)."""

    causes: list[str] = Field(default_factory=list)  # kind@service named by the analysis, top first
    confirmed: list[str] = Field(default_factory=list)  # kind@service a responder confirmed
    rejected: list[str] = Field(default_factory=list)  # kind@service a responder marked wrong
    services: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # rule@service (alerts: alert:<name>@service)
    patterns: list[str] = Field(default_factory=list)  # log template ids
    metrics: list[str] = Field(default_factory=list)  # service/metric/up|down

    def part(self, name: str) -> frozenset[str]:
        """The tokens of part ``name`` (a field name) as a set."""
        return frozenset(getattr(self, name))


def cause_token(kind: str, service: str) -> str:
    """The token of one cause: ``kind@service``."""
    return f"{kind}@{service}"


def parse_cause(text: str) -> tuple[str, str] | None:
    """(kind, service) from "kind on service" or "kind@service"; None for any other text."""
    match = _CAUSE_TEXT.match(text)
    return (match.group(1), match.group(2)) if match else None


def verdict_causes(incident: Incident, feedback: Feedback | None) -> tuple[list[str], list[str]]:
    """(confirmed, rejected) cause tokens from the newest verdict: "right" confirms the named top cause; "wrong"
    rejects it and confirms the actual cause when it is written as "kind on service"."""
    if feedback is None:
        return [], []
    named = (
        cause_token(incident.root_cause_kind, incident.root_cause_service)
        if incident.root_cause_kind and incident.root_cause_service
        else None
    )
    if feedback.verdict == "right":
        return ([named] if named else []), []
    actual = parse_cause(feedback.actual_cause)
    return ([cause_token(*actual)] if actual else []), ([named] if named else [])


#: The alert's name in a signal of the alert rule ("Alert <name> firing on ...", ``core.detection.alert_rule``).
_ALERT_NAME = re.compile(r"^Alert (\S+) firing")


def _rule_token(rule: str, service: str, message: str) -> str:
    """``rule@service``; an alert is named by its own name (two different alerts are two different rules)."""
    alert = _ALERT_NAME.match(message) if rule == "alert" else None
    return f"alert:{alert.group(1)}@{service}" if alert else f"{rule}@{service}"


def evidence_print(incident: Incident, anomalies: Sequence[Anomaly], pattern_ids: Sequence[str]) -> Fingerprint:
    """The fingerprint without causes: what ``incident`` looked like before its root cause was ranked (its
    services, the rules that fired, the ids of the log patterns a report lists, the metrics' directions)."""
    return Fingerprint(
        services=sorted(set(incident.services)),
        rules=sorted({_rule_token(s.rule, s.service, s.message) for s in incident.signals}),
        patterns=sorted(set(pattern_ids)),
        metrics=sorted({f"{a.service}/{a.metric}/{a.direction}" for a in anomalies}),
    )


def fingerprint_of(incident: Incident, feedback: Feedback | None = None) -> Fingerprint:
    """The fingerprint of ``incident`` as stored now, with the newest ``feedback`` verdict on it (or none)."""
    view = incident.final_summary
    causes = [cause_token(c.kind, c.service) for c in view.causes] if view else []
    if not causes and incident.root_cause_kind and incident.root_cause_service:
        causes = [cause_token(incident.root_cause_kind, incident.root_cause_service)]
    confirmed, rejected = verdict_causes(incident, feedback)
    patterns = [p.template_id for p in view.listed_patterns()] if view else []
    evidence = evidence_print(incident, view.anomalies if view else [], patterns)
    return evidence.model_copy(update={"causes": causes, "confirmed": confirmed, "rejected": rejected})
