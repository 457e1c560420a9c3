"""Reading a stored report back into a ``ReportView``, at the store's boundary, whatever shape it was stored in.

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

from core.models import Action, Anomaly, Hypothesis, Incident, LogPattern, TimelineEvent
from core.report.build import labels, notable
from core.report.view import (
    VERSION,
    Actions,
    AgentState,
    Gap,
    LogFindings,
    ReportView,
    RootCauseFindings,
    causes_of,
)

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


def stored_view(raw: object, incident: Incident) -> ReportView | None:
    """The report stored for ``incident`` (parsed JSON: a view or a version-1 dict), with the incident's
    current header facts; None when nothing was stored or it is not a JSON object."""
    if raw is None:
        return None
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


def _agents(raw: object, incident: Incident) -> dict[str, AgentState]:
    found: dict[str, AgentState] = {}
    for name, state in raw.items() if isinstance(raw, Mapping) else []:
        try:
            found[str(name)] = AgentState.model_validate(state)
        except ValidationError:
            log.warning("incident %s: the stored state of agent %s could not be read", incident.id, name)
    return found


def legacy_view(raw: Mapping[str, Any], incident: Incident) -> ReportView:
    """A version-1 summary dict as a view: each part the dict has, items that no longer validate left out."""
    gaps = _items(raw.get("gaps"), Gap, incident)
    agents = _agents(raw.get("agents"), incident)
    failed = {g.agent for g in gaps}

    def summary(agent: str) -> str:
        return agents[agent].summary if agent in agents else ""

    def present(key: str, agent: str) -> bool:
        return key in raw and agent not in failed

    hypotheses = _items(raw.get("hypotheses"), Hypothesis, incident)
    patterns = _items(raw.get("patterns"), LogPattern, incident)
    actions = raw.get("actions") if isinstance(raw.get("actions"), Mapping) else {}
    base = ReportView.pending(incident)
    return base.model_copy(
        update={
            "analysis_id": raw.get("analysis_id") if isinstance(raw.get("analysis_id"), str) else None,
            "status": raw.get("status") if raw.get("status") in ("done", "partial", "failed") else None,
            "timeline": _items(raw.get("timeline"), TimelineEvent, incident) or base.timeline,
            "anomalies": _items(raw.get("anomalies"), Anomaly, incident),
            "root_cause": RootCauseFindings(
                causes=causes_of(hypotheses, labels([h.kind for h in hypotheses])),
                no_cause_reason=raw.get("no_cause_reason") if isinstance(raw.get("no_cause_reason"), str) else None,
                summary=summary("root_cause"),
            )
            if present("hypotheses", "root_cause")
            else None,
            "logs": LogFindings(patterns=patterns, notable=notable(patterns), summary=summary("log_analysis"))
            if present("patterns", "log_analysis")
            else None,
            "actions": Actions(
                immediate=_items(actions.get("immediate"), Action, incident),
                long_term=_items(actions.get("long_term"), Action, incident),
            )
            if present("actions", "mitigation")
            else None,
            "gaps": gaps,
            "agents": agents,
        }
    )
