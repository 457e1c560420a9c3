"""Resource fault kinds for metrics from a file: ``cpu``, ``memory``, ``latency``, ``errors``, ``traffic``,
and one generic kind per metric name the analysis does not know.

They are ``Signature``s scored by the same root-cause agent as the shop's kinds, built from the metric names
of the file: every name that measures a latency (``latency``, ``latency_p99``, ``rt_ms``) is a cue of
``latency``, every name that measures failures (``errors``, ``availability``, ``success_rate``: a rise of
the first, a drop of the others) a cue of ``errors``.

Without a call graph, the kinds lean on what one service shows by itself: a CPU or memory hog raises the
culprit's own resource metric (and its own latency: a non-primary cue), while its callers only show
latency. That is why ``latency`` counts a rise of the service's own CPU or memory *against* it (the
resource kind explains it), and why its coverage counts every service with a latency *or* a resource
symptom: a latency rise is a symptom first, and a weaker explanation when another service's CPU or memory
left its baseline. A latency measured on the client side of calls (``client_latency``) points at the
service's callees, so it argues against the service itself.

With a call graph, the kinds propagate as the live analysis's do: a service's latency, failures, CPU or
memory fault explains the same symptoms on every service upstream of it (its callers, theirs, ...), and a
callee showing the same symptom is the better culprit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType

from core.catalogue import LogCue, MetricCue, Signature
from core.catalogue.signature import Location, rx
from core.offline.names import CPU, ERRORS, LATENCY, MEMORY, REQUESTS, latency_name
from core.offline.views import is_client_metric
from core.semantics import family

LOCATIONS: frozenset[Location] = frozenset({"service", "database"})
ADDITIVE = True  # with a graph, weigh latency and failures by the size of each move (``Signature.additive``)
TRAFFIC_NEEDS_HARM = True  # a traffic surge is a candidate only with a latency or CPU rise (``TRAFFIC_KIND``)


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
#: Any new or surging ERROR pattern of a service is evidence of its errors (a service writing twenty new
#: ERROR lines is named even when no metric moved); warnings only support it.
_ERROR_LOGS = (
    LogCue(
        "exception logs",
        rx(r"unhandled|traceback|exception|panic|internal server error|stack trace"),
        2.0,
        levels=frozenset({"ERROR"}),
        exclude=rx(r"out ?of ?memory|\boom\b"),
    ),
    LogCue("error logs", rx(r"\S"), 1.5, levels=frozenset({"ERROR"})),
    LogCue("warning logs", rx(r"\S"), 1.0, levels=frozenset({"WARN"}), primary=False),
)
_QUANTILE_WEIGHTS = {"99": 1.0, "95": 1.5, "90": 1.5, "75": 1.0, "50": 1.0, "999": 0.5}
LATENCY_METRICS: tuple[str, ...] = (LATENCY, *(latency_name(q) for q in _QUANTILE_WEIGHTS))
_LATENCY_WEIGHTS = {LATENCY: 1.5} | {latency_name(q): w for q, w in _QUANTILE_WEIGHTS.items()}
OTHER_LATENCY_WEIGHT = 1.0  # a latency name without a known quantile (``latency_maximum``, ``rt_ms``)


def _latency_cues(weight: float, *, primary: bool, names: Iterable[str] = ()) -> tuple[MetricCue, ...]:
    """One cue per latency name (the usual ones and ``names``), scaled so that all together weigh ``weight``."""
    weights = _LATENCY_WEIGHTS | {n: OTHER_LATENCY_WEIGHT for n in names if n not in _LATENCY_WEIGHTS}
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
#: More requests are not a fault by themselves (throughput is bad when it drops): a surge is the cause of
#: the harm it comes with on the same service, a latency or CPU rise, which alone can make it a candidate.
TRAFFIC_KIND = Signature(
    kind="traffic",
    label="traffic surge",
    locations=LOCATIONS,
    metric_cues=(MetricCue(REQUESTS, 3.0, primary=False), MetricCue(CPU, 1.0), *_latency_cues(1.0, primary=True)),
    log_cues=(),
    explains=frozenset({REQUESTS}),
    propagates=False,
)
RESOURCE_KINDS: tuple[Signature, ...] = (CPU_KIND, MEMORY_KIND, LATENCY_KIND, ERRORS_KIND, TRAFFIC_KIND)
KNOWN_METRICS = frozenset({CPU, MEMORY, REQUESTS, ERRORS, *LATENCY_METRICS})


def generic_kind(metric: str) -> Signature:
    """A kind for a metric the analysis does not know (``disk_io``, ``net_rx``): its rise on one service."""
    return rise_of(metric, metric, f"{metric} rise")


def _latency_kind(names: list[str], client: list[str]) -> Signature:
    """``latency`` with a cue for every latency name of the file; client-side latency argues against it."""
    cues = _latency_cues(3.0, primary=True, names=names)
    return replace(LATENCY_KIND, metric_cues=cues, explains=LATENCY_KIND.explains | set(names) | set(client),
                   against=(*LATENCY_KIND.against, *client))  # fmt: skip


def _errors_kind(names: list[str]) -> Signature:
    """``errors`` with a cue for every failure name of the file (errors rising, availability dropping)."""
    if names == [ERRORS]:
        return ERRORS_KIND
    cues = tuple(MetricCue(name, 3.0) for name in names)
    return replace(ERRORS_KIND, label="errors or lost availability", metric_cues=cues, explains=frozenset(names))


def _propagating(sig: Signature, latency: frozenset[str], failures: frozenset[str]) -> Signature:
    """``sig`` as it reads with a call graph: its symptoms reach its callers; a sick callee is the better
    culprit; a resource's own metric stays its own (``local``)."""
    own = sig.explains - latency - failures
    if sig.kind in ("cpu", "memory"):
        return replace(sig, propagates=True, explains=sig.explains | latency, local=own,
                       healthy_callees=tuple(sorted(latency)), additive=ADDITIVE)  # fmt: skip
    if sig.kind == "latency":
        return replace(sig, propagates=True, local=own, healthy_callees=tuple(sorted(latency)), additive=ADDITIVE)
    if sig.kind == "errors":
        return replace(sig, propagates=True, healthy_callees=tuple(sorted(failures)), additive=ADDITIVE)
    return sig


def signatures_for(metrics: Iterable[str], *, graph: bool = False) -> Mapping[str, Signature]:
    """The resource kinds plus one generic kind per unknown metric name among ``metrics``; with ``graph``,
    the kinds propagate along the call graph (see the module docstring)."""
    names = sorted(set(metrics))
    client = [m for m in names if is_client_metric(m)]
    latency = [m for m in names if family(m) == "latency" and m not in client and m not in KNOWN_METRICS]
    failures = [m for m in names if family(m) == "failures" and m != ERRORS]
    errors = [ERRORS, *failures] if failures else [ERRORS]
    kinds = {sig.kind: sig for sig in RESOURCE_KINDS}
    if not TRAFFIC_NEEDS_HARM:
        kinds["traffic"] = rise_of(REQUESTS, "traffic", "traffic surge")
    kinds["latency"] = _latency_kind(latency, client) if latency or client else LATENCY_KIND
    kinds["errors"] = _errors_kind(errors)
    for metric in names:
        if metric not in KNOWN_METRICS and metric not in {*latency, *client, *failures} and metric not in kinds:
            kinds[metric] = generic_kind(metric)
    if graph:
        all_latency = frozenset({*LATENCY_METRICS, *latency, *client})
        kinds = {kind: _propagating(sig, all_latency, frozenset(errors)) for kind, sig in kinds.items()}
    return MappingProxyType(kinds)
