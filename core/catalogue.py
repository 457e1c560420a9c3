"""Fault-kind signatures: how each kind shows in metrics and logs, where it can occur, and what to do about it.

Root-cause analysis scores every (target, kind) pair of the fault catalogue whose kind is registered here.
Adding a kind is a local change: write one ``Signature`` (cues, locations, playbook) and add it to
``_SIGNATURES``; nothing else needs to know about it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from core.models import (
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    ERROR_RATE,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    MEMORY_MB,
    Action,
    FaultKind,
    Topology,
)

Location = Literal["service", "database", "external"]
Where = Literal["self", "callers"]

LATENCY = frozenset({LATENCY_P50_MS, LATENCY_P95_MS, LATENCY_P99_MS})
_DATABASE_NAME = re.compile(r"postgres|mysql|mariadb|mongo|sql|(^|[-_])db($|[-_])|database", re.IGNORECASE)
_SAFE_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")  # a Kubernetes (DNS-1123) name


@dataclass(frozen=True, slots=True)
class MetricCue:
    """A metric that rises when the kind is present, on the culprit itself or on its direct callers."""

    metric: str
    weight: float
    where: Where = "self"
    primary: bool = True  # a primary cue alone makes the (target, kind) pair a candidate


@dataclass(frozen=True, slots=True)
class LogCue:
    """A log feature (regex over template and example line) that the culprit or its callers log."""

    label: str  # e.g. "slow-query logs", used in evidence
    pattern: re.Pattern[str]
    weight: float
    where: Where = "self"
    levels: frozenset[str] = frozenset({"WARN", "ERROR"})  # empty: any level
    exclude: re.Pattern[str] | None = None
    names_target: bool = False  # the line must name the culprit (calls to an external dependency)

    def matches(self, text: str, level: str, target: str) -> bool:
        """True when a line's ``text`` (template and example) at ``level`` shows this feature for ``target``."""
        if self.levels and level not in self.levels:
            return False
        if not self.pattern.search(text) or (self.exclude is not None and self.exclude.search(text)):
            return False
        return not self.names_target or target.lower() in text.lower()


@dataclass(frozen=True, slots=True)
class Step:
    """A playbook action; ``{service}``, ``{callers}`` and ``{caller}`` are filled in for the incident."""

    title: str
    detail: str = ""
    command: str | None = None


@dataclass(frozen=True, slots=True)
class Signature:
    """What one fault kind looks like and where it can occur.

    ``explains``: metrics this kind makes anomalous on the culprit (and, when ``propagates``, on the
    services upstream of it). ``against``: metrics on the culprit whose rise points at another cause.
    ``healthy_callees``: metrics that stay normal on the culprit's callees (else a callee is the culprit).
    """

    kind: str
    label: str
    locations: frozenset[Location]
    metric_cues: tuple[MetricCue, ...]
    log_cues: tuple[LogCue, ...]
    explains: frozenset[str]
    propagates: bool
    against: tuple[str, ...] = ()
    healthy_callees: tuple[str, ...] = ()
    signal_rules: tuple[str, ...] = ()  # detection rules that point at this kind
    immediate: tuple[Step, ...] = ()
    prevention: tuple[Step, ...] = ()


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_CONNECTION = _rx(r"connection (error|refused|reset|timed out)|connect(ion)? timeout|unreachable|refused|no route to")


LATENCY_SPIKE = Signature(
    kind="latency_spike",
    label="latency spike",
    locations=frozenset({"service"}),
    metric_cues=(MetricCue(LATENCY_P95_MS, 3.0), MetricCue(LATENCY_P99_MS, 1.0), MetricCue(LATENCY_P50_MS, 1.0)),
    log_cues=(
        LogCue(
            "slow-request logs",
            _rx(r"slow request|request took|took .*threshold|exceeded .*(threshold|deadline)|slow response"),
            2.0,
            exclude=_rx(r"slow query|statement"),
        ),
        LogCue(
            "slow calls logged by its callers",
            _rx(r"call to .* took|slow call|timed out (calling|waiting)"),
            1.0,
            where="callers",
            names_target=True,
        ),
    ),
    explains=LATENCY,
    propagates=True,
    against=(DB_QUERY_P95_MS, DEPENDENCY_ERROR_RATE),
    healthy_callees=(LATENCY_P95_MS, LATENCY_P99_MS),
    signal_rules=("latency_p95", "latency", "slow_request_logs"),
    immediate=(
        Step(
            "Confirm that {service}'s own handler is slow",
            "Its callees are healthy; look at the slow-request logs and traces of {service}.",
            'kubectl logs deployment/{service} --since=15m | grep -i "slow request"',
        ),
        Step(
            "Roll back the latest change to {service}",
            "If a deploy or config change preceded the spike (kubectl rollout history deployment/{service}).",
            "kubectl rollout undo deployment/{service}",
        ),
        Step(
            "Add capacity to {service} while investigating",
            "Pick a replica count above the current one.",
            "kubectl scale deployment/{service} --replicas=4",
        ),
        Step("Make callers fail fast", "Tighten the timeouts of {callers} towards {service} to stop queues building."),
    ),
    prevention=(
        Step("Alert on {service}'s p95 latency SLO burn rate, not only on a fixed threshold"),
        Step("Profile {service}'s request path continuously and set a time budget per request"),
        Step("Ship {service} through canary deploys that roll back on a p95 regression"),
    ),
)

ERROR_RATE_KIND = Signature(
    kind="error_rate",
    label="error-rate spike",
    locations=frozenset({"service"}),
    metric_cues=(MetricCue(ERROR_RATE, 3.0),),
    log_cues=(
        LogCue(
            "unhandled-exception logs",
            _rx(r"unhandled|traceback|exception|panic|internal server error|stack trace"),
            2.0,
            levels=frozenset({"ERROR"}),
            exclude=_rx(r"connection|connect timeout|unreachable|timed out|upstream|calling |refused"),
        ),
    ),
    explains=frozenset({ERROR_RATE, DEPENDENCY_ERROR_RATE}),
    propagates=True,
    against=(DEPENDENCY_ERROR_RATE,),
    healthy_callees=(ERROR_RATE,),
    signal_rules=("error_rate", "exception_logs"),
    immediate=(
        Step(
            "Roll back the latest deploy of {service}",
            "Errors come from {service}'s own code (its callees are healthy).",
            "kubectl rollout undo deployment/{service}",
        ),
        Step(
            "Read the stack traces",
            "Find the failing route and exception type.",
            'kubectl logs deployment/{service} --since=15m | grep -A 20 "Unhandled exception"',
        ),
        Step(
            "Restart {service} if no change is involved",
            "Clears bad in-process state.",
            "kubectl rollout restart deployment/{service}",
        ),
        Step("Protect the callers", "Retry with backoff and a circuit breaker in {callers} for calls to {service}."),
    ),
    prevention=(
        Step("Gate {service}'s deploys on the error rate of a canary"),
        Step("Add a regression test for the failing route and exception"),
        Step("Alert on {service}'s error-budget burn rate"),
    ),
)

DB_SLOW = Signature(
    kind="db_slow",
    label="slow database",
    locations=frozenset({"database"}),
    metric_cues=(
        MetricCue(DB_QUERY_P95_MS, 3.0, where="callers"),
        MetricCue(LATENCY_P95_MS, 2.0),
        MetricCue(LATENCY_P95_MS, 1.0, where="callers", primary=False),
    ),
    log_cues=(
        LogCue(
            "slow-query logs",
            _rx(r"slow query|duration:.*statement|statement timeout|query took"),
            2.0,
            levels=frozenset(),
        ),
        LogCue("slow-query logs in callers", _rx(r"slow query|query took|statement timeout"), 1.0, where="callers"),
    ),
    explains=LATENCY | {DB_QUERY_P95_MS},
    propagates=True,
    signal_rules=("slow_query_logs", "db_query_p95", "db_slow"),
    immediate=(
        Step(
            "Find the slow and blocking queries on {service}",
            "Longest-running statements first.",
            'kubectl exec deploy/{service} -- psql -U postgres -c "SELECT pid, now() - query_start AS age, state, '
            "left(query, 120) FROM pg_stat_activity WHERE state != 'idle' ORDER BY age DESC LIMIT 10;\"",
        ),
        Step(
            "Cancel runaway queries",
            "Only statements running for more than 30 s.",
            'kubectl exec deploy/{service} -- psql -U postgres -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity '
            "WHERE state = 'active' AND now() - query_start > interval '30 seconds';\"",
        ),
        Step("Take load off {service}", "Serve {callers} from cache where possible and lower their pool sizes."),
    ),
    prevention=(
        Step("Index the statements from the slow-query log (EXPLAIN ANALYZE each one)"),
        Step("Set statement_timeout on {service} and per-call timeouts in {callers}"),
        Step("Track query latency with pg_stat_statements and alert on p95 per statement"),
    ),
)

MEMORY_LEAK = Signature(
    kind="memory_leak",
    label="memory leak",
    locations=frozenset({"service"}),
    metric_cues=(MetricCue(MEMORY_MB, 3.0),),
    log_cues=(
        LogCue("GC-pressure logs", _rx(r"gc pause|garbage collect|heap|out ?of ?memory|\boom\b|memory pressure"), 2.0),
    ),
    explains=frozenset({MEMORY_MB}),
    propagates=False,
    signal_rules=("memory", "memory_trend"),
    immediate=(
        Step(
            "Capture a heap profile of one {service} pod before restarting",
            "tracemalloc / memray for Python, jmap for the JVM: it shows what keeps growing.",
        ),
        Step(
            "Restart {service} to reclaim memory",
            "Buys time; the leak will come back.",
            "kubectl rollout restart deployment/{service}",
        ),
        Step(
            "Roll back if the growth started with a deploy",
            "Check kubectl rollout history deployment/{service}.",
            "kubectl rollout undo deployment/{service}",
        ),
        Step(
            "Cap {service}'s memory so a pod restarts before the node suffers",
            command="kubectl set resources deployment/{service} --limits=memory=512Mi",
        ),
    ),
    prevention=(
        Step("Alert on {service}'s memory trend (forecast), not only on a fixed limit"),
        Step("Run a soak test of {service} in CI that fails on steady memory growth"),
        Step("Bound every in-process cache and buffer in {service}"),
    ),
)

DEPENDENCY_DOWN = Signature(
    kind="dependency_down",
    label="dependency outage",
    locations=frozenset({"external"}),
    metric_cues=(
        MetricCue(DEPENDENCY_ERROR_RATE, 3.0, where="callers"),
        MetricCue(ERROR_RATE, 1.0, where="callers", primary=False),
    ),
    log_cues=(LogCue("connection errors naming the dependency", _CONNECTION, 3.0, where="callers", names_target=True),),
    explains=frozenset({ERROR_RATE, DEPENDENCY_ERROR_RATE}) | LATENCY,
    propagates=True,
    signal_rules=("connection_error_logs", "dependency_error_rate", "dependency"),
    immediate=(
        Step(
            "Check whether {service} is reachable from {caller}",
            "And check the provider's status page.",
            "kubectl exec deploy/{caller} -- nc -vz -w 3 {service} 443",
        ),
        Step("Fail fast in {callers}", "Open the circuit breaker for {service} and return a clear error or fallback."),
        Step("Fail over or queue", "Switch to a secondary provider, or queue requests to {service} for later retry."),
        Step("Tell the users", "Post on the status page that calls depending on {service} are degraded."),
    ),
    prevention=(
        Step("Put a circuit breaker with a fallback around every call from {callers} to {service}"),
        Step("Retry calls to {service} with jittered backoff and a retry budget"),
        Step("Probe {service} synthetically and alert before users notice"),
    ),
)

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

_SIGNATURES: tuple[Signature, ...] = (LATENCY_SPIKE, ERROR_RATE_KIND, DB_SLOW, MEMORY_LEAK, DEPENDENCY_DOWN)
SIGNATURES: Mapping[str, Signature] = MappingProxyType({sig.kind: sig for sig in _SIGNATURES})


def signature_for(kind: str) -> Signature | None:
    """The registered signature of ``kind``, or ``None`` for a kind the analysis does not know."""
    return SIGNATURES.get(kind)


def location_of(service: str, topology: Topology) -> Location:
    """Where ``service`` sits: an external dependency, a database (by name), or an internal service."""
    if service in topology.external:
        return "external"
    return "database" if _DATABASE_NAME.search(service) else "service"


def candidates(
    topology: Topology, catalogue: Sequence[FaultKind], signatures: Mapping[str, Signature] | None = None
) -> list[tuple[str, Signature]]:
    """(target, signature) pairs to score: the catalogue's kinds and targets, or, with an empty catalogue,
    every kind on every service whose location fits it. ``signatures`` replaces the registered kinds."""
    registry = SIGNATURES if signatures is None else signatures
    known = set(topology.services) | set(topology.external)
    pairs: list[tuple[str, Signature]] = []
    if catalogue:
        for fault in catalogue:
            sig = registry.get(fault.type)
            if sig is not None:
                pairs.extend((target, sig) for target in dict.fromkeys(fault.targets) if target in known)
        return pairs
    for sig in _SIGNATURES if signatures is None else signatures.values():
        pairs.extend((svc, sig) for svc in sorted(known) if location_of(svc, topology) in sig.locations)
    return pairs


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
    safe = commands and all(_SAFE_NAME.match(name) for name in (service, *callers))
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
    sig = SIGNATURES.get(kind or "")
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
