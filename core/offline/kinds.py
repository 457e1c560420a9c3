"""Resource fault kinds for metrics from a file: ``cpu``, ``memory``, ``latency``, ``errors``, ``traffic``,
and one generic kind per metric name the analysis does not know.

They are ``Signature``s scored by the same root-cause agent as the shop's kinds. A CSV has no call graph,
so the kinds lean on what one service shows by itself: a CPU or memory hog raises the culprit's own
resource metric (and its own latency: a non-primary cue), while its callers only show latency. That is why
``latency`` counts a rise of the service's own CPU or memory *against* it (the resource kind explains it),
and why its coverage counts every service with a latency *or* a resource symptom: a latency rise is a
symptom first, and a weaker explanation when another service's CPU or memory left its baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from core.catalogue import LogCue, MetricCue, Signature
from core.catalogue.signature import Location, rx
from core.offline.names import CPU, ERRORS, LATENCY, MEMORY, REQUESTS, is_latency, latency_name

LOCATIONS: frozenset[Location] = frozenset({"service", "database"})


#: Log features (own copies, so that the shop's kinds can change freely): logs add evidence to a kind.
_CPU_LOGS = (
    LogCue("CPU-pressure logs", rx(r"cpu (throttl|limit|pressure)|throttl(ed|ing)|high load|load average"), 2.0),
)
_MEMORY_LOGS = (
    LogCue("memory-pressure logs", rx(r"gc pause|garbage collect|heap|out ?of ?memory|\boom\b|memory pressure"), 2.0),
)
_LATENCY_LOGS = (
    LogCue("slow-request logs", rx(r"slow request|request took|slow response|exceeded .*(threshold|deadline)"), 2.0),
)
_ERROR_LOGS = (
    LogCue(
        "exception logs",
        rx(r"unhandled|traceback|exception|panic|internal server error|stack trace"),
        2.0,
        levels=frozenset({"ERROR"}),
        exclude=rx(r"out ?of ?memory|\boom\b"),
    ),
)
_QUANTILE_WEIGHTS = {"99": 1.0, "95": 1.5, "90": 1.5, "75": 1.0, "50": 1.0, "999": 0.5}
LATENCY_METRICS: tuple[str, ...] = (LATENCY, *(latency_name(q) for q in _QUANTILE_WEIGHTS))


def _latency_cues(weight: float, *, primary: bool) -> tuple[MetricCue, ...]:
    """One cue per latency name, scaled so that all of them together weigh ``weight``."""
    weights = {LATENCY: 1.5} | {latency_name(q): w for q, w in _QUANTILE_WEIGHTS.items()}
    total = sum(weights.values())
    return tuple(MetricCue(metric, weight * w / total, primary=primary) for metric, w in weights.items())


CPU_KIND = Signature(
    kind="cpu",
    label="CPU saturation",
    locations=LOCATIONS,
    metric_cues=(MetricCue(CPU, 3.0), *_latency_cues(1.0, primary=False)),
    log_cues=_CPU_LOGS,
    explains=frozenset({CPU}),
    propagates=False,
    against=(REQUESTS,),  # CPU that follows a traffic surge is load, not a hog
)
MEMORY_KIND = Signature(
    kind="memory",
    label="memory exhaustion",
    locations=LOCATIONS,
    metric_cues=(MetricCue(MEMORY, 3.0), *_latency_cues(0.5, primary=False)),
    log_cues=_MEMORY_LOGS,
    explains=frozenset({MEMORY}),
    propagates=False,
)
LATENCY_KIND = Signature(
    kind="latency",
    label="latency rise",
    locations=LOCATIONS,
    metric_cues=_latency_cues(3.0, primary=True),
    log_cues=_LATENCY_LOGS,
    explains=frozenset({*LATENCY_METRICS, CPU, MEMORY}),  # see the module docstring
    propagates=False,
    against=(CPU, MEMORY),
)


def rise_of(metric: str, kind: str, label: str, log_cues: tuple[LogCue, ...] = ()) -> Signature:
    """A kind that is one metric rising on one service, explaining only that metric."""
    return Signature(
        kind=kind,
        label=label,
        locations=LOCATIONS,
        metric_cues=(MetricCue(metric, 3.0),),
        log_cues=log_cues,
        explains=frozenset({metric}),
        propagates=False,
    )


ERRORS_KIND = rise_of(ERRORS, "errors", "error rise", _ERROR_LOGS)
TRAFFIC_KIND = rise_of(REQUESTS, "traffic", "traffic surge")
RESOURCE_KINDS: tuple[Signature, ...] = (CPU_KIND, MEMORY_KIND, LATENCY_KIND, ERRORS_KIND, TRAFFIC_KIND)
KNOWN_METRICS = frozenset({CPU, MEMORY, REQUESTS, ERRORS, *LATENCY_METRICS})


def generic_kind(metric: str) -> Signature:
    """A kind for a metric the analysis does not know (``disk_io``, ``net_rx``): its rise on one service."""
    return rise_of(metric, metric, f"{metric} rise")


def signatures_for(metrics: Iterable[str]) -> Mapping[str, Signature]:
    """The resource kinds plus one generic kind per unknown metric name among ``metrics``."""
    kinds = {sig.kind: sig for sig in RESOURCE_KINDS}
    for metric in sorted(set(metrics)):
        if metric not in KNOWN_METRICS and not is_latency(metric) and metric not in kinds:
            kinds[metric] = generic_kind(metric)
    return MappingProxyType(kinds)
