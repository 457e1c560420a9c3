"""The service graph tracing backends derive from spans (``traces_service_graph_request_total{client, server}``).

Its pairs are the edges; its failed share per ``client`` is the calling side's dependency error rate. The
serving side's signals are left to the services' own metrics: a server seen only here (an external API)
stays an external dependency, judged through its callers.
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import EdgeQuery, Preset, SignalTemplate
from core.sources.presets.parts import ratio

TOTAL = "traces_service_graph_request_total"
FAILED = "traces_service_graph_request_failed_total"

SERVICE_GRAPH = Preset(
    name="service_graph",
    title="Service graph from traces",
    templates=(SignalTemplate(m.DEPENDENCY_ERROR_RATE, ratio(TOTAL, "", "", FAILED), (TOTAL,), ("client",)),),
    edges=EdgeQuery(TOTAL, caller="client", callee="server"),
)
