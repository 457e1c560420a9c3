"""Playbooks: a kind's steps rendered into actions for one incident, commands only for safe names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.catalogue.registry import signature_for
from core.catalogue.signature import SAFE_NAME, Step
from core.models import Action, Topology

GENERIC_IMMEDIATE: tuple[Step, ...] = (
    Step("Review the detection signals and dashboards of {service}", "Confirm the symptom is still present."),
    Step(
        "Check recent changes to {service}",
        "Deploys, configuration and feature flags from the last hour.",
        "kubectl rollout history deployment/{service}",
    ),
    Step("Escalate to the team owning {service} if the symptoms persist"),
)
GENERIC_PREVENTION: tuple[Step, ...] = (
    Step("Add the telemetry that would have named the cause (metrics, logs or traces that were missing)"),
    Step("If this was a new kind of fault, add its signature to the fault catalogue"),
)


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def render_steps(
    steps: Sequence[Step], service: str, topology: Topology | None, *, commands: bool = True
) -> list[Action]:
    """Actions for ``service``: placeholders filled, commands only when every name in them is safe to run."""
    callers = topology.callers(service) if topology is not None else []
    values = {"service": service, "callers": ", ".join(callers), "caller": callers[0] if callers else service}
    if not callers:  # steps about the callers make no sense for an entry point
        steps = [s for s in steps if "{caller" not in f"{s.title} {s.detail} {s.command or ''}"]
    safe = commands and all(SAFE_NAME.match(name) for name in (service, *callers))
    actions = []
    for step in steps:
        detail = _fill(step.detail, values)
        if step.command and commands and not safe:
            detail = f"{detail} (command omitted: a service name is not a valid Kubernetes name)".strip()
        command = _fill(step.command, values) if step.command and safe else None
        actions.append(Action(title=_fill(step.title, values), detail=detail, command=command))
    return actions


def playbook(kind: str | None, service: str | None, topology: Topology | None) -> tuple[list[Action], list[Action]]:
    """(immediate, prevention) actions for ``kind`` on ``service``; the generic set for an unknown kind or
    no service (then without commands)."""
    sig = signature_for(kind or "")
    if sig is None or service is None:
        target = service or "the affected services"
        immediate = render_steps(GENERIC_IMMEDIATE, target, topology, commands=service is not None)
        return immediate, render_steps(GENERIC_PREVENTION, target, topology, commands=False)
    return render_steps(sig.immediate, service, topology), render_steps(sig.prevention, service, topology)


def generic_playbook(services: Sequence[str], topology: Topology | None) -> tuple[list[Action], list[Action]]:
    """(immediate, prevention) actions when no cause was named; commands only for a single service."""
    if len(services) == 1:
        return playbook(None, services[0], topology)
    label = f"the affected services ({', '.join(services)})" if services else "the affected services"
    immediate = render_steps(GENERIC_IMMEDIATE, label, None, commands=False)
    return immediate, render_steps(GENERIC_PREVENTION, label, None, commands=False)
