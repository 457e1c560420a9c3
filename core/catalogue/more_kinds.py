"""Signatures of six more fault kinds: CPU saturation, connection-pool exhaustion, bad deploy, cache failure,
full disk, and a traffic surge (load beyond capacity, not a broken component)."""

from __future__ import annotations

from core.catalogue.signature import LATENCY, LogCue, MetricCue, Signature, Step, rx
from core.models import (
    CPU_PERCENT,
    DB_POOL_UTILIZATION,
    DB_QUERY_P95_MS,
    DEPENDENCY_ERROR_RATE,
    DISK_USED_PERCENT,
    ERROR_RATE,
    LATENCY_P95_MS,
    LATENCY_P99_MS,
    MEMORY_MB,
    REQUEST_RATE,
)

#: Words of an exception in an application log (error_rate and bad_deploy).
EXCEPTION_WORDS = r"unhandled|traceback|exception|panic|internal server error|stack trace"
#: An error about a call or connection to another component: a dependency's failure, not the service's own code.
CALL_FAILURE = rx(r"connection|connect timeout|unreachable|timed out|upstream|calling |refused")

#: A deploy, rollout or version change announced in the logs (any level): shared by bad_deploy and error_rate.
DEPLOY_EVENT = LogCue(
    "deploy event",
    rx(
        r"\bdeploy(ed|ing|ment)?\b.*\bv(ersion)?\s*\d|\brolled out\b|\brolling (out|update)\b|\brollout\b|"
        r"\bnew version\b|\brelease v?\d+\.\d+|\bupgraded? (to|from) v?\d"
    ),
    3.0,
    levels=frozenset(),
    exclude=rx(r"rollback|rolled back|rolling restart"),
    event=True,
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

CONNECTION_POOL_EXHAUSTION = Signature(
    kind="connection_pool_exhaustion",
    label="connection-pool exhaustion",
    locations=frozenset({"service"}),
    metric_cues=(
        MetricCue(DB_POOL_UTILIZATION, 3.0),
        MetricCue(ERROR_RATE, 1.0, primary=False),
        MetricCue(LATENCY_P95_MS, 1.0, primary=False),
    ),
    log_cues=(
        LogCue(
            "pool-exhaustion logs",
            rx(
                r"pool (exhausted|timeout|is full|limit)|waiting for (a |an idle )?connection|"
                r"could not (obtain|acquire|get|check ?out) (a )?connection|too many (clients|connections)|"
                r"remaining connection slots"
            ),
            3.0,
        ),
    ),
    explains=LATENCY | {DB_POOL_UTILIZATION, ERROR_RATE, DEPENDENCY_ERROR_RATE},
    propagates=True,
    local=frozenset({DB_POOL_UTILIZATION}),
    against=(DB_QUERY_P95_MS, REQUEST_RATE),
    signal_rules=("db_pool",),
    headline="Connection pool of {service} exhausted",
    immediate=(
        Step(
            "Restart {service} to return the leaked connections",
            "The database is healthy: connections are held by {service}, not slow queries.",
            "kubectl rollout restart deployment/{service}",
        ),
        Step(
            "List who holds the connections",
            "Idle-in-transaction sessions from {service} point at a missing close/commit.",
            'kubectl exec deploy/postgres -- psql -U postgres -c "SELECT application_name, state, count(*) '
            'FROM pg_stat_activity GROUP BY 1, 2 ORDER BY 3 DESC;"',
        ),
        Step("Raise the pool size of {service} temporarily", "Only if the database has connection slots to spare."),
    ),
    prevention=(
        Step("Alert on {service}'s pool utilisation and wait time, not only on errors"),
        Step("Set a pool checkout timeout and a leak detector (max connection lifetime) in {service}"),
        Step("Use context managers for every connection in {service} and test that each code path returns it"),
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

CACHE_FAILURE = Signature(
    kind="cache_failure",
    label="cache failure",
    locations=frozenset({"cache"}),
    metric_cues=(
        MetricCue(LATENCY_P95_MS, 2.0, where="callers"),
        MetricCue(ERROR_RATE, 1.0, primary=False),
        MetricCue(DB_QUERY_P95_MS, 1.0, where="callers", primary=False),
    ),
    log_cues=(
        LogCue(
            "cache errors logged by its callers",
            rx(
                r"cache (unavailable|unreachable|down|error|timeout|timed out|miss storm|failure)|"
                r"falling back to (the )?(database|db|origin)|redis.*(timeout|timed out|refused|connection)|"
                r"memcache.*(timeout|error)"
            ),
            3.0,
            where="callers",
        ),
    ),
    required_logs=("cache errors logged by its callers",),
    explains=LATENCY | {ERROR_RATE, DB_QUERY_P95_MS, DEPENDENCY_ERROR_RATE},
    propagates=True,
    signal_rules=("log_pattern",),
    immediate=(
        Step(
            "Check {service} itself",
            "Is it up, out of memory, or refusing connections?",
            "kubectl logs deployment/{service} --since=15m",
        ),
        Step(
            "Restart or fail over {service}",
            "Callers fall back to the database meanwhile, which is slower and loads it.",
            "kubectl rollout restart deployment/{service}",
        ),
        Step("Protect the database", "Rate-limit the fallback reads of {callers} so the database is not overrun."),
    ),
    prevention=(
        Step("Run {service} with a replica and automatic failover"),
        Step("Give {callers} a circuit breaker on {service} and request coalescing on the fallback path"),
        Step("Alert on the cache hit ratio and on cache call errors in {callers}"),
    ),
)

DISK_FULL = Signature(
    kind="disk_full",
    label="full disk",
    locations=frozenset({"service", "database"}),
    metric_cues=(MetricCue(DISK_USED_PERCENT, 3.0), MetricCue(ERROR_RATE, 1.0, where="callers", primary=False)),
    log_cues=(
        LogCue(
            "out-of-disk logs",
            rx(
                r"no space left|disk (is )?full|could not (extend|write|create)|enospc|disk quota|"
                r"read-only file ?system"
            ),
            3.0,
            levels=frozenset(),
        ),
        LogCue(
            "out-of-disk errors reported by its callers",
            rx(r"no space left|disk ?full|could not extend|enospc"),
            1.0,
            where="callers",
        ),
    ),
    explains=frozenset({DISK_USED_PERCENT, ERROR_RATE, DEPENDENCY_ERROR_RATE}) | LATENCY,
    propagates=True,
    local=frozenset({DISK_USED_PERCENT}),
    signal_rules=("disk",),
    immediate=(
        Step(
            "Free space on {service}'s volume",
            "Find the largest directories (logs, WAL, temp files) and remove what is safe to remove.",
            "kubectl exec deploy/{service} -- du -xh / --max-depth=3 | sort -h | tail -20",
        ),
        Step("Grow the volume", "Expand the persistent volume claim of {service} if the storage class allows it."),
        Step("Stop what fills it", "A stuck replication slot or archiver keeps WAL; a debug log level fills /var/log."),
    ),
    prevention=(
        Step("Alert on {service}'s disk usage forecast (predict_linear over 6 h), not only at 90 %"),
        Step("Rotate and cap logs and temporary files on {service}"),
        Step("Monitor replication slots and WAL retention on {service}"),
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
