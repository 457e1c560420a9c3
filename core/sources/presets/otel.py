"""OpenTelemetry semantic conventions as Prometheus names (dots to underscores, unit suffixes).

``http.server.request.duration`` (seconds histogram with ``http.response.status_code``) gives traffic, errors
and latency; ``http.client.request.duration`` the outgoing calls; ``db.client.operation.duration`` the
database time; ``process.cpu.time`` and ``process.memory.usage`` the process. The service is the promoted
``service.name`` resource attribute (``service_name``) or, failing that, the scrape ``job``.
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import Preset, SignalTemplate
from core.sources.presets.parts import QUANTILES, gauge_max, quantile, rate_sum, ratio

SERVER = "http_server_request_duration_seconds"
CLIENT = "http_client_request_duration_seconds"
DB = "db_client_operation_duration_seconds"
CPU = "process_cpu_time_seconds_total"
MEMORY = "process_memory_usage_bytes"
LABELS = ("service_name", "job")
FAILED = 'http_response_status_code=~"5.."'

OTEL = Preset(
    name="otel",
    title="OpenTelemetry HTTP semantic conventions",
    templates=(
        SignalTemplate(m.REQUEST_RATE, rate_sum(SERVER + "_count"), (SERVER + "_count",), LABELS),
        SignalTemplate(m.ERROR_RATE, ratio(SERVER + "_count", "", FAILED), (SERVER + "_count",), LABELS),
        *(SignalTemplate(s, quantile(q, SERVER + "_bucket"), (SERVER + "_bucket",), LABELS) for s, q in QUANTILES),
        SignalTemplate(m.DB_QUERY_P95_MS, quantile(0.95, DB + "_bucket"), (DB + "_bucket",), LABELS),
        SignalTemplate(m.DEPENDENCY_ERROR_RATE, ratio(CLIENT + "_count", "", FAILED), (CLIENT + "_count",), LABELS),
        SignalTemplate(m.CPU_PERCENT, rate_sum(CPU) + " * 100", (CPU,), LABELS),
        SignalTemplate(m.MEMORY_MB, gauge_max(MEMORY, scale="/ 1048576"), (MEMORY,), LABELS),
    ),
)
