"""Signatures of faults on the edges between services: an external dependency that fails, and a traffic
surge (load beyond capacity, not a broken component)."""

from __future__ import annotations

from core.catalogue.signature import LATENCY, LogCue, MetricCue, Signature, Step, rx
from core.models import (
    CPU_PERCENT,
    DB_POOL_UTILIZATION,
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    ERROR_RATE,
    REQUEST_RATE,
)

#: A connection to another component that failed, as its callers log it.
CONNECTION = rx(r"connection (error|refused|reset|timed out)|connect(ion)? timeout|unreachable|refused|no route to")

DEPENDENCY_DOWN = Signature(
    kind="dependency_down",
    label="dependency outage",
    locations=frozenset({"external"}),
    metric_cues=(
        MetricCue(DEPENDENCY_ERROR_RATE, 3.0, where="callers"),
        MetricCue(ERROR_RATE, 1.0, where="callers", primary=False),
    ),
    log_cues=(LogCue("connection errors naming the dependency", CONNECTION, 3.0, where="callers", names_target=True),),
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

TRAFFIC_SURGE = Signature(
    kind="traffic_surge",
    label="traffic surge beyond capacity",
    locations=frozenset({"service"}),
    metric_cues=(
        MetricCue(REQUEST_RATE, 3.0),
        MetricCue(REQUEST_RATE, 1.0, where="callees", primary=False),
        MetricCue(CPU_PERCENT, 1.0, primary=False),
    ),
    log_cues=(
        LogCue(
            "load-shedding logs",
            rx(
                r"too many requests|load shed|shedding|over capacity|above the capacity|backpressure|"
                r"rate.limit(ed|ing)? (requests|clients|callers)|request queue (is )?full"
            ),
            1.0,
            levels=frozenset(),
            primary=False,
        ),
    ),
    explains=LATENCY | {REQUEST_RATE, CPU_PERCENT, ERROR_RATE, DB_QUERY_P95_MS, DB_POOL_UTILIZATION},
    propagates=True,
    direction="down",
    signal_rules=("latency_p95", "cpu"),
    headline="Capacity: traffic into {service} surged beyond what the system can serve (load, not a broken component)",
    immediate=(
        Step(
            "Scale out {service} and the services it calls",
            "Add replicas to the saturated tier first (highest CPU or latency).",
            "kubectl scale deployment/{service} --replicas=6",
        ),
        Step(
            "Shed or rate-limit excess traffic",
            "Turn on rate limiting or a queue at the edge; protect the checkout path.",
        ),
        Step(
            "Find where the traffic comes from",
            "A campaign, a bot, or a retry storm from a client: by route and source.",
        ),
    ),
    prevention=(
        Step("Autoscale {service} and its callees on request rate and CPU, with tested headroom"),
        Step("Load-test the whole call path at 3x peak traffic and plan capacity from it"),
        Step("Rate-limit per client at the edge and keep a shed-load switch ready"),
    ),
)
