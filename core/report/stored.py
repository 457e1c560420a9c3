"""Reading a stored report back into a ``ReportView``, whatever shape it was stored in: the ``Incident`` model
calls ``stored_view`` whenever it is built from data (the store's rows, JSON exports, scenario folders).

Version 2 is the view itself. Before it (version 1) the supervisor stored a dict of the agents' outputs
(``anomalies``, ``timeline``, ``patterns``, ``hypotheses``, ``no_cause_reason``, ``actions``, ``agents``,
``gaps``, ``analysis_id``, ``status``, ``root_cause``), and seed data stored parts of it: such a dict is read
leniently, item by item, so an old incident still opens with everything that can be read. Nothing is
written back: the stored text stays as it is until a new analysis replaces it. The header facts always come
from the incident's row, which is their source.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.models import Action, AgentOutput, Anomaly, Hypothesis, Incident, LogPattern, TimelineEvent
from core.report.build import labels, listed
from core.report.view import (
    VERSION,
    Actions,
    Gap,
    LogFindings,
    ReportView,
    RootCauseFindings,
    causes_of,
)

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


def stored_view(raw: object, incident: Incident) -> ReportView | None:
    """The report stored for ``incident`` (a view, or parsed JSON: a view or a version-1 dict), with the
    incident's header facts; None when nothing was stored or it is not a JSON object."""
    if raw is None:
        return None
    if isinstance(raw, ReportView):
        return raw.with_header(incident)
    if not isinstance(raw, Mapping):
        log.warning("incident %s: stored report is a %s, not an object; ignored", incident.id, type(raw).__name__)
        return None
    if raw.get("version") == VERSION:
        try:
            return ReportView.model_validate(raw).with_header(incident)
        except ValidationError as exc:
            log.warning("incident %s: stored report unreadable (%s); only its header is shown", incident.id, exc)
            return ReportView.pending(incident)
    return legacy_view(raw, incident)


def _items(raw: object, model: type[ModelT], incident: Incident) -> list[ModelT]:
    """The items of a stored list that still validate as ``model`` (others are logged and left out)."""
    found: list[ModelT] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            found.append(model.model_validate(item))
        except ValidationError:
            log.warning("incident %s: a stored %s could not be read; left out", incident.id, model.__name__)
    return found


def _agents(raw: object, incident: Incident) -> dict[str, AgentOutput]:
    found: dict[str, AgentOutput] = {}
    for name, state in raw.items() if isinstance(raw, Mapping) else []:
        try:
            found[str(name)] = AgentOutput.model_validate(state)
        except ValidationError:
            log.warning("incident %s: the stored state of agent %s could not be read", incident.id, name)
    return found


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def _findings(raw: Mapping[str, Any], incident: Incident, agents: Mapping[str, AgentOutput]) -> dict[str, Any]:
    """The root-cause, log and mitigation parts of a version-1 dict (None for a part it lacks)."""

    def summary(agent: str) -> str:
        return agents[agent].summary if agent in agents else ""

    hypotheses = _items(raw.get("hypotheses"), Hypothesis, incident)
    patterns = _items(raw.get("patterns"), LogPattern, incident)
    given = raw.get("actions")
    actions: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    return {
        "root_cause": RootCauseFindings(
            causes=causes_of(hypotheses, labels([h.kind for h in hypotheses])),
            no_cause_reason=_text(raw, "no_cause_reason"),
            summary=summary("root_cause"),
        )
        if "hypotheses" in raw
        else None,
        "logs": LogFindings(patterns=patterns, listed=listed(patterns), summary=summary("log_analysis"))
        if "patterns" in raw
        else None,
        "actions": Actions(
            immediate=_items(actions.get("immediate"), Action, incident),
            long_term=_items(actions.get("long_term"), Action, incident),
        )
        if "actions" in raw
        else None,
    }


def legacy_view(raw: Mapping[str, Any], incident: Incident) -> ReportView:
    """A version-1 summary dict as a view: each part the dict has, items that no longer validate left out; the
    part of an agent that failed is None, as in a view."""
    gaps = _items(raw.get("gaps"), Gap, incident)
    agents = _agents(raw.get("agents"), incident)
    owners = {"root_cause": "root_cause", "logs": "log_analysis", "actions": "mitigation"}
    failed = {g.agent for g in gaps}
    found = {
        part: None if owners[part] in failed else value for part, value in _findings(raw, incident, agents).items()
    }
    base = ReportView.pending(incident)
    status = raw.get("status")
    return base.model_copy(
        update={
            "analysis_id": _text(raw, "analysis_id"),
            "status": status if status in ("done", "partial", "failed") else None,
            "timeline": _items(raw.get("timeline"), TimelineEvent, incident) or base.timeline,
            "anomalies": _items(raw.get("anomalies"), Anomaly, incident),
            "gaps": gaps,
            "agents": agents,
            **found,
        }
    )
