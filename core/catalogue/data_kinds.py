"""Signatures of faults in data stores and what holds them: a slow database, an exhausted connection pool,
a failed cache and a full disk."""

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
    REQUEST_RATE,
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
