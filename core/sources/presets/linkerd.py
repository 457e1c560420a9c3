"""Linkerd's proxy metrics: ``response_total`` and ``response_latency_ms`` by direction.

Inbound responses (service in ``deployment``) give traffic, errors (``classification="failure"``) and
latency; outbound ones the outgoing calls, and their ``deployment`` -> ``dst_deployment`` pairs the edges.
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import EdgeQuery, Preset, SignalTemplate
from core.sources.presets.parts import QUANTILES, quantile, rate_sum, ratio

RESPONSES = "response_total"
LATENCY = "response_latency_ms_bucket"
INBOUND = 'direction="inbound"'
OUTBOUND = 'direction="outbound"'
FAILED = 'classification="failure"'
LABELS = ("deployment",)

LINKERD = Preset(
    name="linkerd",
    title="Linkerd service mesh",
    templates=(
        SignalTemplate(m.REQUEST_RATE, rate_sum(RESPONSES, INBOUND), (RESPONSES,), LABELS),
        SignalTemplate(m.ERROR_RATE, ratio(RESPONSES, INBOUND, FAILED), (RESPONSES,), LABELS),
        *(SignalTemplate(s, quantile(q, LATENCY, INBOUND, to_ms=1.0), (LATENCY,), LABELS) for s, q in QUANTILES),
        SignalTemplate(m.DEPENDENCY_ERROR_RATE, ratio(RESPONSES, OUTBOUND, FAILED), (RESPONSES,), LABELS),
    ),
    edges=EdgeQuery(RESPONSES, caller="deployment", callee="dst_deployment", filter=OUTBOUND),
)
