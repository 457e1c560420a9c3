"""What a metric's name and unit say about it: the kind of signal, which direction of change is a fault, and
whether its values are a share of a whole (pure).

Users' metrics come under any name. The common ones say what they measure: a latency, a duration or a
response time (``Latency p99``, ``http_server_duration_seconds``, ``rt (ms)``), errors and failures,
saturation of a resource (CPU, memory, utilisation, disk), a queue's length or lag, availability, a success
rate, throughput (requests, calls, operations per second) and hit ratios. Latency, errors, saturation and
queues are bad when they rise; availability, success rates, throughput and hit ratios when they drop. A
change in the other direction is not a fault (a node that reports 0% availability while idle and 100% once
it serves is not failing). A name that says nothing known is watched both ways: that is the safe default,
since either direction might be the bad one.

A share of a whole (a percentage or a ratio: availability, success and hit rates, utilisation, anything in
``%``) has a known full scale, 1 or 100, against which a change can be judged even when the series never
moved before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SignalKind = Literal[
    "latency", "errors", "saturation", "queue", "availability", "success", "throughput", "hit_ratio", "unknown"
]
Direction = Literal["up", "down"]

UP: frozenset[Direction] = frozenset({"up"})
DOWN: frozenset[Direction] = frozenset({"down"})
BOTH: frozenset[Direction] = frozenset({"up", "down"})


@dataclass(frozen=True, slots=True)
class Semantics:
    """The kind of signal a metric is, the directions of change that are faults, and whether it is a share."""

    kind: SignalKind
    bad: frozenset[Direction]
    share: bool  # a percentage or a ratio: its full scale is 1 or 100


# Words, matched as whole tokens of the name split at non-letters and at camelCase humps.
_HIT = {"hit", "hits"}
_RATIO = {"ratio", "pct", "percent", "percentage", "fraction", "share"}
_AVAILABILITY = {"availability", "available", "uptime", "healthy", "health"}
_SUCCESS = {"success", "successful", "succeeded", "ok", "2xx"}
_ERRORS = {
    "error", "errors", "err", "errs", "failure", "failures", "failed", "fail", "fails", "fault", "faults",
    "5xx", "4xx", "exception", "exceptions", "timeout", "timeouts", "rejected", "refused", "dropped", "crash",
    "crashes", "restarts", "oom", "panic", "panics",
}  # fmt: skip
_QUEUE = {"queue", "queued", "backlog", "lag", "pending", "inflight", "waiting", "depth", "enqueued"}
_LATENCY = {"latency", "lat", "duration", "rt", "elapsed", "delay", "responsetime", "ttfb", "rtt"}
_TIMED_WORK = {"response", "wait", "service", "processing", "query", "request", "execution"}  # "<x>_time"
_SATURATION = {
    "cpu", "memory", "mem", "rss", "heap", "util", "utilization", "utilisation", "usage", "used",
    "saturation", "disk", "swap", "iowait", "throttled", "throttling", "gc", "fd", "fds", "threads", "pool", "loadavg",
    "connections", "conns", "working", "workingset", "steal",
}  # fmt: skip
_THROUGHPUT = {
    "requests", "request", "req", "reqs", "rps", "tps", "qps", "throughput", "calls", "call", "count", "ops",
    "invocations", "transactions", "traffic", "workload", "hits", "messages", "events", "sum",
}  # fmt: skip
_TIME_UNITS = {"ms", "msec", "millis", "milliseconds", "s", "sec", "secs", "seconds", "us", "usec", "microseconds"}
_QUANTILE = re.compile(r"^p?\d{2,3}(th)?$|^quantile$|^percentile$")
_PERCENT_UNIT = re.compile(r"%|\bpercent\b|\bpct\b")
_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9%]+")


def tokens(name: str) -> list[str]:
    """Lower-case words of ``name``: split at anything but letters, digits and %, and at camelCase humps."""
    return [t for t in _SPLIT.split(_HUMP.sub("_", name.strip()).lower()) if t]


def semantics_of(name: str) -> Semantics:
    """What ``name`` (a metric name, with its unit if any) says; the safe default when nothing is known."""
    words = set(tokens(name))
    if words == {"up"}:  # Prometheus' scrape health: 1 up, 0 down
        return Semantics("availability", DOWN, True)
    share = bool(words & _RATIO) or bool(_PERCENT_UNIT.search(name.lower()))
    if words & _HIT and (words & _RATIO or share):
        return Semantics("hit_ratio", DOWN, True)
    if words & _SUCCESS:
        return Semantics("success", DOWN, True)
    if words & _AVAILABILITY and not words & _ERRORS:
        return Semantics("availability", DOWN, True)
    if words & _ERRORS:
        return Semantics("errors", UP, share)
    if words & _QUEUE:
        return Semantics("queue", UP, False)
    timed = bool(words & _TIME_UNITS) or any(_QUANTILE.match(w) for w in words)
    if words & _LATENCY or ({"time", "times"} & words and words & _TIMED_WORK):
        return Semantics("latency", UP, False)
    if words & _SATURATION:
        return Semantics("saturation", UP, share or bool(words & {"util", "utilization", "utilisation"}))
    if timed:  # "p99", "rt_ms", "*_seconds" with no other known word: a duration
        return Semantics("latency", UP, False)
    if words & _THROUGHPUT:
        return Semantics("throughput", DOWN, False)
    return Semantics("unknown", BOTH, share)


_FAILURES = frozenset({"errors", "availability", "success"})


def family(metric: str) -> str:
    """The symptom a metric shows, for matching an alert's metric to series: ``latency`` for every latency
    statistic, ``failures`` for errors, availability and success rates, else the kind, else the name."""
    kind = semantics_of(metric).kind
    if kind in _FAILURES:
        return "failures"
    return metric if kind == "unknown" else kind
