"""Istio's standard metrics, as the sidecars report them.

The serving side (``reporter="destination"``, service in ``destination_workload``) gives traffic, errors and
latency; the calling side (``reporter="source"``, service in ``source_workload``) the outgoing calls; every
series names a source and a destination workload, which are the edges. Istio writes ``unknown`` for a side
it cannot name (traffic from outside the mesh), which is never an edge end.
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import EdgeQuery, Preset, SignalTemplate
from core.sources.presets.parts import QUANTILES, quantile, rate_sum, ratio

REQUESTS = "istio_requests_total"
DURATION = "istio_request_duration_milliseconds_bucket"
SERVING = 'reporter="destination"'
CALLING = 'reporter="source"'
FAILED = 'response_code=~"5.."'
DEST = ("destination_workload",)

ISTIO = Preset(
    name="istio",
    title="Istio service mesh",
    templates=(
        SignalTemplate(m.REQUEST_RATE, rate_sum(REQUESTS, SERVING), (REQUESTS,), DEST),
        SignalTemplate(m.ERROR_RATE, ratio(REQUESTS, SERVING, FAILED), (REQUESTS,), DEST),
        *(SignalTemplate(s, quantile(q, DURATION, SERVING, to_ms=1.0), (DURATION,), DEST) for s, q in QUANTILES),
        SignalTemplate(m.DEPENDENCY_ERROR_RATE, ratio(REQUESTS, CALLING, FAILED), (REQUESTS,), ("source_workload",)),
    ),
    edges=EdgeQuery(REQUESTS, caller="source_workload", callee="destination_workload", ignore=("unknown",)),
)
