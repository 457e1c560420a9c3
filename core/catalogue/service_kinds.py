"""Signatures of faults in a service's own code and runtime: a slow handler, unhandled exceptions, a
memory leak, a bad deploy and CPU saturation."""

from __future__ import annotations

from core.catalogue.cues import CALL_FAILURE, DEPLOY_EVENT, EXCEPTION_WORDS
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

BAD_DEPLOY = Signature(
    kind="bad_deploy",
    label="bad deploy",
    locations=frozenset({"service"}),
    metric_cues=(MetricCue(ERROR_RATE, 3.0),),
    log_cues=(
        DEPLOY_EVENT,
        LogCue(
            "errors of the new version",
            rx(EXCEPTION_WORDS + r"|\berror\b"),
            1.0,
            levels=frozenset({"ERROR"}),
            exclude=CALL_FAILURE,
        ),
    ),
    required_logs=("deploy event",),
    explains=frozenset({ERROR_RATE, DEPENDENCY_ERROR_RATE}) | LATENCY,
    propagates=True,
    against=(DEPENDENCY_ERROR_RATE, DISK_USED_PERCENT),
    healthy_callees=(ERROR_RATE,),
    signal_rules=("error_rate", "exception_logs", "log_pattern"),
    immediate=(
        Step(
            "Roll back {service} to the previous version",
            "The errors started right after the deploy in the logs.",
            "kubectl rollout undo deployment/{service}",
        ),
        Step(
            "Pause further rollouts of {service}",
            "Stops the bad version from reaching more pods while you roll back.",
            "kubectl rollout pause deployment/{service}",
        ),
        Step("Tell the team that shipped the release", "Share the failing route and the new version's stack trace."),
    ),
    prevention=(
        Step("Deploy {service} through a canary that rolls back automatically on its error rate"),
        Step("Annotate dashboards with deploy events so that a regression points at its release"),
        Step("Add the failing case to {service}'s tests before re-releasing"),
    ),
)

CPU_SATURATION = Signature(
    kind="cpu_saturation",
    label="CPU saturation",
    locations=frozenset({"service", "database", "cache"}),
    metric_cues=(
        MetricCue(CPU_PERCENT, 3.0),
        MetricCue(LATENCY_P95_MS, 1.0, primary=False),
        MetricCue(LATENCY_P95_MS, 0.5, where="callers", primary=False),
    ),
    log_cues=(
        LogCue(
            "CPU-starvation logs",
            rx(
                r"cpu (throttl|saturat|starv)|throttled|event loop (blocked|lag)|worker(s| pool)? (saturated|busy)|"
                r"run ?queue|load average|request queue (full|backlog)"
            ),
            2.0,
            levels=frozenset(),
        ),
    ),
    explains=LATENCY | {CPU_PERCENT, DB_QUERY_P95_MS, DB_POOL_UTILIZATION},
    propagates=True,
    local=frozenset({CPU_PERCENT}),
    against=(REQUEST_RATE, MEMORY_MB),
    healthy_callees=(LATENCY_P95_MS, LATENCY_P99_MS),
    signal_rules=("cpu",),
    immediate=(
        Step(
            "Find what burns {service}'s CPU",
            "Top threads/processes and a short CPU profile (py-spy, async-profiler, pprof) before changing anything.",
            "kubectl top pod -l app={service} --containers",
        ),
        Step(
            "Add CPU to {service}",
            "More replicas spread the load; a higher CPU limit stops the throttling.",
            "kubectl scale deployment/{service} --replicas=4",
        ),
        Step(
            "Roll back if the CPU rise started with a change",
            "Check kubectl rollout history deployment/{service}.",
            "kubectl rollout undo deployment/{service}",
        ),
        Step("Shed load in {callers}", "Tighten timeouts towards {service} so requests do not pile up behind it."),
    ),
    prevention=(
        Step("Alert on {service}'s CPU throttling (container_cpu_cfs_throttled_periods_total), not only on usage"),
        Step("Autoscale {service} on CPU with headroom, and load-test its CPU cost per request"),
        Step("Profile {service} continuously so a hot loop is visible before it saturates the CPU"),
    ),
)
