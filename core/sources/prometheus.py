"""Metrics from any Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics).

``fetch(now)`` runs one ``/api/v1/query_range`` per signal, each aggregated in PromQL to one series per
service, over ``[now - lookback, now]`` at ``step``, and keeps the latest point of each series. A range
rather than an instant query because it is what the issue names, because query frontends cache and
split it, and because a late scrape at ``now`` still leaves the previous step's value: the point is
reported as long as it lies inside the lookback, and dropped once it is older (no stale values).
Points are stamped with the poll time ``now``, since detection compares successive polls.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from core.errors import SourceError
from core.models import METRICS, MetricPoint, Topology
from core.redaction import redact_url
from core.sources.base import TargetHealth
from core.sources.http import HttpAuth, HttpClient, body_excerpt
from core.sources.presets.discovery import label_finder, metric_names, plan_queries
from core.sources.presets.model import Coverage, DiscoveryStatus, PlannedQuery, Preset
from core.sources.presets.topology import build_topology, discover_edges, merge_edges
from core.sources.promql import QueryConfig, check_label_name, render, service_matchers


def _envelope(body: Any, where: str) -> Any:
    """``data`` of a Prometheus API answer; ``SourceError`` with ``errorType``/``error`` otherwise."""
    if not isinstance(body, dict) or "status" not in body:
        raise SourceError(f"{where}: answer is not a Prometheus API response")
    if body["status"] != "success":
        error_type = str(body.get("errorType", "unknown"))[:100]
        error = " ".join(str(body.get("error", "no error message")).split())[:500]
        raise SourceError(f"{where}: Prometheus error ({error_type}): {error}")
    return body.get("data")


def parse_query_range(
    body: Any, *, label: str, metric: str, ts: float, where: str = "query_range"
) -> list[MetricPoint]:
    """The latest finite value of every series in a query_range answer, one ``MetricPoint`` per service.

    Series without the service label are skipped; NaN and ±Inf samples (0/0 on an idle service, a
    histogram without observations) are skipped so that the previous finite sample stands. Raises
    ``SourceError`` on an error answer or an unexpected shape.
    """
    data = _envelope(body, where)
    if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        kind = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise SourceError(f"{where}: expected a matrix result, got {kind!r}")
    points: list[MetricPoint] = []
    for series in data["result"]:
        try:
            service = series["metric"].get(label)
            values = series["values"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise SourceError(f"{where}: malformed series in matrix: {str(series)[:200]}") from exc
        if not isinstance(service, str) or not service:
            continue
        value = _latest_finite(values, where)
        if value is not None:
            points.append(MetricPoint(ts, service, metric, value))
    return points


def _latest_finite(values: Any, where: str) -> float | None:
    if not isinstance(values, list):
        raise SourceError(f"{where}: series values must be a list")
    for sample in reversed(values):
        try:
            value = float(sample[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise SourceError(f"{where}: malformed sample {str(sample)[:100]}") from exc
        if math.isfinite(value):
            return value
    return None


def parse_up(body: Any, labels: tuple[str, ...], where: str = "up") -> list[TargetHealth]:
    """Every series of an instant ``up`` query as a target: its service is the first of ``labels`` it carries
    (``job`` when none), its target the ``instance`` label, up when the value is 1."""
    data = _envelope(body, where)
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise SourceError(f"{where}: expected a vector result")
    targets = []
    for series in data["result"]:
        try:
            metric, value = series["metric"], float(series["value"][1])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise SourceError(f"{where}: malformed sample {str(series)[:200]}") from exc
        service = next((str(metric[name]) for name in (*labels, "job") if metric.get(name)), None)
        if service is None:
            continue
        instance = redact_url(str(metric.get("instance", "")))
        error = None if value == 1 else f"up == {value:g} (the last scrape failed)"
        targets.append(TargetHealth(service, instance, value == 1, error))
    return targets


def parse_label_values(body: Any, where: str = "label values") -> list[str]:
    """The sorted strings of a ``/api/v1/label/<name>/values`` answer."""
    data = _envelope(body, where)
    if not isinstance(data, list):
        raise SourceError(f"{where}: expected a list of label values")
    return sorted({str(value) for value in data if isinstance(value, str) and value})


class PrometheusMetricsSource:
    """Polls a Prometheus HTTP API for every signal; see the module docstring for the query choice.

    With ``presets`` the queries come from the conventions whose metrics exist (re-discovered every
    ``refresh_seconds``, so services and metrics that appear later are picked up) and the edges from mesh
    and service-graph metrics, merged with the configured ones; without, from ``config`` alone.
    """

    name = "prometheus"

    def __init__(
        self,
        base_url: str,
        *,
        service_label: str = "service",
        config: QueryConfig | None = None,
        services: list[str] | None = None,
        extra_matchers: str = "",
        auth: HttpAuth | None = None,
        verify_tls: bool = True,
        timeout: float = 5.0,
        step: float = 5.0,
        lookback: float = 15.0,
        presets: tuple[Preset, ...] = (),
        preset_mode: str = "",
        refresh_seconds: float = 60.0,
    ) -> None:
        if step <= 0 or lookback < step:
            raise ValueError(f"Need step > 0 and lookback >= step seconds, got step={step}, lookback={lookback}")
        self.label = check_label_name(service_label)
        self.config = config or QueryConfig()
        self.step = step
        self.lookback = lookback
        self.http = HttpClient(base_url, auth=auth, verify_tls=verify_tls, timeout=timeout)
        self.target = self.http.display_url
        self.service_filter = services
        self.matchers = service_matchers(self.label, services, extra_matchers)
        self.extra_matchers = extra_matchers
        self.presets = presets
        self.refresh_seconds = refresh_seconds
        self.queries = {
            signal: render(
                template, label=self.label, matchers=self.matchers, prefix=self.config.prefix, window=self.config.window
            )
            for signal, template in self.config.templates.items()
        }
        configured = tuple(PlannedQuery(s, "config", self.label, q) for s, q in self.queries.items())
        self._status = DiscoveryStatus(mode=preset_mode or "config file only", queries=() if presets else configured)
        self._names: set[str] | None = None  # metric names of the last discovery
        self._plan_at: float | None = None
        self._edges_at: float | None = None
        self._last_now: float | None = None
        self._seen: set[str] = set()

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def _get_json(self, path: str, params: dict[str, Any], what: str) -> tuple[Any, str]:
        where = f"GET {self.target}{path} ({what})"
        response = self.http.get(path, params=params)
        try:
            body = response.json()
        except ValueError:
            raise SourceError(f"{where}: HTTP {response.status_code}: {body_excerpt(response)}") from None
        if response.status_code >= 400 and not (isinstance(body, dict) and body.get("status") == "error"):
            raise SourceError(f"{where}: HTTP {response.status_code}: {body_excerpt(response)}")
        return body, where

    def _due(self, since: float | None, now: float) -> bool:
        return since is None or now - since >= self.refresh_seconds

    def _discover(self, now: float) -> None:
        """Plan the queries from the metrics that exist; keep the previous plan when discovery fails."""
        try:
            names = metric_names(self._get_json, parse_label_values, self.extra_matchers)
            plan = plan_queries(
                self.presets,
                names,
                label_finder(self._get_json, parse_label_values, self.extra_matchers),
                services=self.service_filter,
                extra=self.extra_matchers,
                window=self.config.window,
                overrides=self.config.overrides,
                config_label=self.label,
                config_prefix=self.config.prefix,
            )
        except SourceError as exc:
            if self._plan_at is None:
                raise
            self._status = replace(self._status, error=str(exc))
            return
        self._plan_at, self._names = now, names
        coverage = replace(self._status.coverage, unplanned=plan.unplanned)
        self._status = replace(
            self._status,
            presets=plan.presets,
            metric_count=plan.metric_count,
            queries=plan.queries,
            coverage=coverage,
            discovered_at=now,
            error=None,
        )

    def fetch(self, now: float) -> list[MetricPoint]:
        """Latest value per (service, signal) at ``now``; ``SourceError`` when any query fails.

        Of several queries for one signal (several presets), the first that has a service wins for it."""
        self._last_now = now
        # An empty plan (a Prometheus that has scraped nothing yet) is retried at every poll.
        if self.presets and (self._due(self._plan_at, now) or not self._status.queries):
            self._discover(now)
        params = {"start": f"{now - self.lookback:.3f}", "end": f"{now:.3f}", "step": f"{self.step:g}"}
        points: list[MetricPoint] = []
        found: dict[str, dict[str, str]] = {}
        for query in self._status.queries:
            body, where = self._get_json("/api/v1/query_range", {**params, "query": query.promql}, query.signal)
            for point in parse_query_range(body, label=query.label, metric=query.signal, ts=now, where=where):
                have = found.setdefault(point.service, {})
                if point.metric not in have:
                    have[point.metric] = query.origin
                    points.append(point)
        self._seen.update(found)
        planned = {query.signal for query in self._status.queries}
        unplanned = tuple(signal for signal in METRICS if signal not in planned)
        self._status = replace(self._status, coverage=Coverage(found, unplanned, METRICS))
        return points

    def targets(self, now: float) -> list[TargetHealth]:
        """Every scrape target Prometheus has (``up``, with the extra matchers) and whether it answered."""
        extra = self.extra_matchers.strip().strip(",")
        query = f"up{{{extra}}}" if extra else "up"
        body, where = self._get_json("/api/v1/query", {"query": query, "time": f"{now:.3f}"}, "up")
        return parse_up(body, (self.label,), where)

    def known_services(self) -> list[str]:
        """Services seen in earlier polls, without a request (for the Loki source's per-service queries)."""
        return sorted(self._seen)

    def services(self) -> list[str]:
        """Values of the service label on series that carry the configured matchers."""
        body, where = self._get_json(
            f"/api/v1/label/{self.label}/values", {"match[]": f"{{{self.matchers}}}"}, "services"
        )
        return parse_label_values(body, where)

    def discovery(self) -> DiscoveryStatus:
        """Presets in use, planned queries, edges with their origins, signals found per service (no request)."""
        return self._status

    def _instant(self, query: str, what: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"query": query}
        if self._last_now is not None:
            params["time"] = f"{self._last_now:.3f}"
        body, where = self._get_json("/api/v1/query", params, what)
        data = _envelope(body, where)
        if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
            raise SourceError(f"{where}: expected a vector result")
        return list(data["result"])

    def topology(self) -> Topology:
        """Services seen and edges: discovered from mesh and service-graph metrics (re-read every
        ``refresh_seconds``) and configured; without presets, services from the label and configured edges."""
        if not self.presets:
            return self._configured_topology()
        now = self._last_now if self._last_now is not None else 0.0
        if self._due(self._edges_at, now) or not self._status.edges:
            discovered = discover_edges(self.presets, self._names, self._instant, self.extra_matchers)
            edges = merge_edges(discovered, self.config.edges)
            self._edges_at = now
            self._status = replace(self._status, edges=tuple(edges))
        topology = build_topology(list(self._status.edges), self._seen, self.config.external)
        self._status = replace(self._status, external=tuple(topology.external))
        return topology

    def _configured_topology(self) -> Topology:
        try:
            discovered = set(self.services())
        except SourceError:
            if not self._seen:
                raise
            discovered = set()
        external = sorted(set(self.config.external))
        names = (discovered | self._seen | {n for edge in self.config.edges for n in edge}) - set(external)
        if not self._status.edges:
            self._status = replace(self._status, edges=tuple(merge_edges({}, self.config.edges)))
        return Topology(services=sorted(names), edges=list(self.config.edges), external=external)
