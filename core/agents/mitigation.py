"""MitigationAgent: immediate actions and prevention from the playbook of the most likely cause."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from core import catalogue
from core.agents.base import AnalysisContext
from core.agents.root_cause import usable
from core.models import Action, AgentOutput, Hypothesis, MitigationOutput, RootCauseOutput

CONFIRM_BELOW = 0.6  # under this confidence, also suggest checking the runner-up cause


def _runner_up_check(alternative: Hypothesis, ctx: AnalysisContext) -> Action | None:
    immediate, _ = catalogue.playbook(alternative.kind, alternative.service, ctx.topology)
    if not immediate:
        return None
    first = immediate[0]
    return Action(
        title=f"If the cause is {alternative.kind} on {alternative.service} instead: {first.title}",
        detail=f"The top cause is uncertain; this alternative has {alternative.confidence:.0%}. {first.detail}".strip(),
        command=first.command,
    )


def affected_services(ctx: AnalysisContext) -> list[str]:
    """Services the incident names, else those of its detection signals."""
    return list(dict.fromkeys(ctx.incident.services or [s.service for s in ctx.incident.signals]))


class MitigationAgent:
    """Turns the top hypothesis into a checklist for now and changes for later, naming the service."""

    name: ClassVar[str] = "mitigation"
    depends_on: ClassVar[tuple[str, ...]] = ("root_cause",)
    output_model: ClassVar[type[AgentOutput]] = MitigationOutput

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> MitigationOutput:
        """The playbook of the top hypothesis, or a generic set when no cause was named."""
        root_cause, gap = usable(upstream, "root_cause", RootCauseOutput)
        if root_cause is None or not root_cause.hypotheses:
            services = affected_services(ctx)
            immediate, long_term = catalogue.generic_playbook(services, ctx.topology)
            why = f"root-cause analysis {gap}" if root_cause is None else "no cause was named"
            return MitigationOutput(summary=f"Generic actions ({why}).", immediate=immediate, long_term=long_term)
        top = root_cause.hypotheses[0]
        immediate, long_term = catalogue.playbook(top.kind, top.service, ctx.topology)
        if top.confidence < CONFIRM_BELOW and len(root_cause.hypotheses) > 1:
            check = _runner_up_check(root_cause.hypotheses[1], ctx)
            if check is not None:
                immediate.insert(1, check)
        return MitigationOutput(
            summary=(
                f"Playbook for {top.kind} on {top.service} ({top.confidence:.0%} confidence): "
                f"{len(immediate)} immediate actions, {len(long_term)} prevention items."
            ),
            immediate=immediate,
            long_term=long_term,
        )
