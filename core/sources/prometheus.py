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
from typing import Any

from core.errors import SourceError
from core.models import MetricPoint, Topology
from core.redaction import redact_url
from core.sources.base import TargetHealth
from core.sources.http import HttpAuth, HttpClient, body_excerpt
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
    """Polls a Prometheus HTTP API for every signal; see the module docstring for the query choice."""

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
    ) -> None:
        if step <= 0 or lookback < step:
            raise ValueError(f"Need step > 0 and lookback >= step seconds, got step={step}, lookback={lookback}")
        self.label = check_label_name(service_label)
        self.config = config or QueryConfig()
        self.step = step
        self.lookback = lookback
        self.http = HttpClient(base_url, auth=auth, verify_tls=verify_tls, timeout=timeout)
        self.target = self.http.display_url
        self.matchers = service_matchers(self.label, services, extra_matchers)
        self.extra_matchers = extra_matchers
        self.queries = {
            signal: render(
                template,
                label=self.label,
                matchers=self.matchers,
                prefix=self.config.prefix,
                window=self.config.window,
            )
            for signal, template in self.config.templates.items()
        }
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

    def fetch(self, now: float) -> list[MetricPoint]:
        """Latest value per (service, signal) at ``now``; ``SourceError`` when any query fails."""
        params = {"start": f"{now - self.lookback:.3f}", "end": f"{now:.3f}", "step": f"{self.step:g}"}
        points: list[MetricPoint] = []
        for signal, query in self.queries.items():
            body, where = self._get_json("/api/v1/query_range", {**params, "query": query}, signal)
            points.extend(parse_query_range(body, label=self.label, metric=signal, ts=now, where=where))
        self._seen.update(point.service for point in points)
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

    def topology(self) -> Topology:
        """Services from the label (and from earlier polls); edges only as configured."""
        try:
            discovered = set(self.services())
        except SourceError:
            if not self._seen:
                raise
            discovered = set()
        external = sorted(set(self.config.external))
        names = (discovered | self._seen | {n for edge in self.config.edges for n in edge}) - set(external)
        return Topology(services=sorted(names), edges=list(self.config.edges), external=external)
