"""Signatures of kinds that only detection names: no fault the demo service injects produces them, because
they are the absence of the service rather than something it does. A target that stops answering leaves no
metric and no log line of its own, so its detection signal alone makes it a candidate (``detected_by``);
its callers' failed calls, when there are any, support it.

Not injectable on purpose: the demo service is one process, one scrape target for the whole shop; a target
down is tested for real, by stopping the demo service (demo mode) or pointing Prometheus at a port where
nothing listens (``up == 0``), not simulated.
"""

from __future__ import annotations

from core.catalogue.edge_kinds import CONNECTION
from core.catalogue.signature import LATENCY, LogCue, MetricCue, Signature, Step
from core.models import DEPENDENCY_ERROR_RATE, ERROR_RATE

TARGET_DOWN = Signature(
    kind="target_down",
    label="target not answering",
    locations=frozenset({"service", "database", "cache", "external"}),
    metric_cues=(
        MetricCue(DEPENDENCY_ERROR_RATE, 2.0, where="callers", primary=False),
        MetricCue(ERROR_RATE, 1.0, where="callers", primary=False),
    ),
    log_cues=(
        LogCue(
            "connection errors naming the target",
            CONNECTION,
            2.0,
            where="callers",
            names_target=True,
            primary=False,
        ),
    ),
    explains=frozenset({ERROR_RATE, DEPENDENCY_ERROR_RATE}) | LATENCY,
    propagates=True,
    signal_rules=("target_down",),
    detected_by=("target_down",),
    headline="{service} stopped answering: its process, its host or the network path to it is down",
    immediate=(
        Step(
            "Check whether {service} is running",
            "Crash loops, evictions and failed health checks show in its pods' state and recent events.",
            "kubectl get pods -l app={service} -o wide",
        ),
        Step(
            "Scrape {service} by hand from where the monitoring runs",
            "A changed port, a network policy or an expired certificate fails the scrape while the service runs.",
        ),
        Step(
            "Restart or reschedule {service}",
            "When its pods are gone or wedged.",
            "kubectl rollout restart deployment/{service}",
        ),
        Step("Protect {callers}", "Fail fast or serve a fallback in {callers} while {service} is down."),
    ),
    prevention=(
        Step("Run {service} with several replicas spread over nodes, with liveness and readiness probes"),
        Step("Alert on up == 0 and on absent series for every target, routed to the team that owns it"),
        Step("Page on what users see (error rate, latency) as well as on the target itself"),
    ),
)
