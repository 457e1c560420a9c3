"""Signatures of the seed's five fault kinds: latency spike, error rate, slow database, memory leak and
dependency outage."""

from __future__ import annotations

from core.catalogue.more_kinds import CALL_FAILURE, DEPLOY_EVENT, EXCEPTION_WORDS
from core.catalogue.signature import LATENCY, LogCue, MetricCue, Signature, Step, rx
from core.models import (
    CPU_PERCENT,
    DB_POOL_UTILIZATION,
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    DISK_USED_PERCENT,
    ERROR_RATE,
    LATENCY_P50_MS,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    MEMORY_MB,
    REQUEST_RATE,
)

CONNECTION = rx(r"connection (error|refused|reset|timed out)|connect(ion)? timeout|unreachable|refused|no route to")


LATENCY_SPIKE = Signature(
    kind="latency_spike",
    label="latency spike",
    locations=frozenset({"service"}),
    metric_cues=(MetricCue(LATENCY_P95_MS, 3.0), MetricCue(LATENCY_P99_MS, 1.0), MetricCue(LATENCY_P50_MS, 1.0)),
    log_cues=(
        LogCue(
            "slow-request logs",
            rx(r"slow request|request took|took .*threshold|exceeded .*(threshold|deadline)|slow response"),
            2.0,
            exclude=rx(r"slow query|statement"),
        ),
        LogCue(
            "slow calls logged by its callers",
            rx(r"call to .* took|slow call|timed out (calling|waiting)"),
            1.0,
            where="callers",
            names_target=True,
        ),
    ),
    explains=LATENCY,
    propagates=True,
    against=(DB_QUERY_P95_MS, DEPENDENCY_ERROR_RATE, REQUEST_RATE, CPU_PERCENT),
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
            rx(EXCEPTION_WORDS),
            2.0,
            levels=frozenset({"ERROR"}),
            exclude=CALL_FAILURE,
        ),
    ),
    explains=frozenset({ERROR_RATE, DEPENDENCY_ERROR_RATE}),
    propagates=True,
    against=(DEPENDENCY_ERROR_RATE, REQUEST_RATE, DB_POOL_UTILIZATION, DISK_USED_PERCENT),
    against_logs=(DEPLOY_EVENT,),
    healthy_callees=(ERROR_RATE,),
    signal_rules=("error_rate", "exception_logs", "log_pattern"),
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
            rx(r"slow query|duration:.*statement|statement timeout|query took"),
            2.0,
            levels=frozenset(),
        ),
        LogCue("slow-query logs in callers", rx(r"slow query|query took|statement timeout"), 1.0, where="callers"),
    ),
    explains=LATENCY | {DB_QUERY_P95_MS, DB_POOL_UTILIZATION},
    propagates=True,
    against=(CPU_PERCENT, DISK_USED_PERCENT),
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
        LogCue("GC-pressure logs", rx(r"gc pause|garbage collect|heap|out ?of ?memory|\boom\b|memory pressure"), 2.0),
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
