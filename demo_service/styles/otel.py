"""The shop's metrics as an OpenTelemetry-instrumented service exports them: written by the OpenTelemetry
SDK and its Prometheus exporter (names, units and labels are theirs), plus cAdvisor and the service graph.

The simulation counts requests in plain histograms (see ``demo_service.telemetry``); at each scrape the
observations made since the previous scrape are recorded into the SDK's ``http.server.request.duration``
and ``db.client.operation.duration`` histograms, one ``record`` per observation at its bucket's upper bound
(the last bucket at twice the largest bound). Bucket counts and counts per status code are exact; the
``_sum`` is an upper bound, and which bucket a given status code's requests fell in is not simulated (the
requests of a second are dealt to its status codes in bucket order).
"""

from __future__ import annotations

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, generate_latest

from demo_service.styles.platform import cadvisor, service_graph
from demo_service.telemetry import BUCKETS, Telemetry
from demo_service.topology import SERVICES

SERVER_DURATION = "http.server.request.duration"
DB_DURATION = "db.client.operation.duration"
#: The value recorded for an observation in each bucket: its upper bound (the last: twice the largest).
_VALUES: tuple[float, ...] = (*BUCKETS, BUCKETS[-1] * 2)


class OtelExposition:
    """An SDK meter provider with a Prometheus reader on a private registry, fed from the shop's counts."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry(auto_describe=False)
        reader = PrometheusMetricReader(disable_target_info=True, registry=self._registry)
        buckets = ExplicitBucketHistogramAggregation(BUCKETS)
        provider = MeterProvider(
            resource=Resource.create({"service.namespace": "shop"}),
            metric_readers=[reader],
            views=[View(instrument_name=name, aggregation=buckets) for name in (SERVER_DURATION, DB_DURATION)],
        )
        meter = provider.get_meter("demo_service")
        self._server = meter.create_histogram(SERVER_DURATION, unit="s", description="HTTP server request time.")
        self._db = meter.create_histogram(DB_DURATION, unit="s", description="Database client operation time.")
        self._codes: dict[tuple[str, int], int] = {}
        self._buckets: dict[tuple[str, str], list[int]] = {}

    def _new_buckets(self, kind: str, service: str, counts: list[int]) -> list[int]:
        """Observations per bucket since the previous scrape of ``(kind, service)``."""
        before = self._buckets.get((kind, service), [0] * len(counts))
        self._buckets[(kind, service)] = list(counts)
        return [now - then for now, then in zip(counts, before, strict=True)]

    def _record_server(self, t: Telemetry) -> None:
        for service in SERVICES:
            pending = self._new_buckets("server", service, t.latency[service].counts)
            bucket = 0
            for code in sorted(t.requests[service]):
                count = t.requests[service][code]
                new = count - self._codes.get((service, code), 0)
                self._codes[(service, code)] = count
                attributes: dict[str, str | int] = {"service.name": service, "http.response.status_code": code}
                while new > 0 and bucket < len(pending):
                    take = min(new, pending[bucket])
                    for _ in range(take):
                        self._server.record(_VALUES[bucket], attributes)
                    pending[bucket] -= take
                    new -= take
                    if pending[bucket] == 0:
                        bucket += 1

    def _record_db(self, t: Telemetry) -> None:
        for service, histogram in t.db_query.items():
            attributes = {"service.name": service, "db.system.name": "postgresql"}
            for bucket, new in enumerate(self._new_buckets("db", service, histogram.counts)):
                for _ in range(new):
                    self._db.record(_VALUES[bucket], attributes)

    def render(self, t: Telemetry) -> bytes:
        """The exposition of one scrape: the SDK's families, then cAdvisor's and the service graph's."""
        self._record_server(t)
        self._record_db(t)
        return generate_latest(self._registry) + (cadvisor(t) + service_graph(t)).encode("utf-8")
