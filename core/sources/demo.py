"""The demo service over HTTP: its API client, and the metrics and log sources built on it."""

from __future__ import annotations

from typing import Any

import requests

from core.errors import FaultRequestError, SourceError
from core.models import FaultKind, LogEvent, MetricPoint, Topology
from core.sources.prometheus_text import Snapshot, parse_snapshot
from core.sources.rates import signals_between

MAX_MESSAGE_CHARS = 10_000
LOG_PAGE = 5_000


class DemoServiceClient:
    """Typed access to the demo service's HTTP API; every transport problem becomes ``SourceError``."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SourceError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SourceError(f"{method} {self.base_url}{path}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"{method} {self.base_url}{path}: answer is not JSON") from exc

    def health(self) -> dict[str, Any]:
        """The /health answer."""
        return self._json("GET", "/health")

    def metrics_text(self) -> str:
        """The /metrics exposition."""
        response = self._request("GET", "/metrics")
        if response.status_code != 200:
            raise SourceError(f"GET {self.base_url}/metrics: HTTP {response.status_code}")
        return response.text

    def logs(self, since: str | None, limit: int = LOG_PAGE) -> dict[str, Any]:
        """One page of /logs after ``since``."""
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        return self._json("GET", "/logs", params=params)

    def topology(self) -> Topology:
        """Services and dependencies from /topology."""
        try:
            return Topology.model_validate(self._json("GET", "/topology"))
        except ValueError as exc:
            raise SourceError(f"GET {self.base_url}/topology: unexpected answer: {exc}") from exc

    def faults(self) -> tuple[list[FaultKind], list[dict[str, Any]]]:
        """The fault catalogue and the active faults."""
        body = self._json("GET", "/faults")
        try:
            catalogue = [FaultKind.model_validate(kind) for kind in body["catalogue"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"GET {self.base_url}/faults: unexpected answer: {exc}") from exc
        return catalogue, list(body.get("active", []))

    def inject(self, type_: str, target: str | None, intensity: float, duration_seconds: float) -> dict[str, Any]:
        """POST /faults; a refusal raises ``FaultRequestError`` with the service's reason."""
        payload: dict[str, Any] = {
            "type": type_,
            "intensity": intensity,
            "duration_seconds": duration_seconds,
        }
        if target:
            payload["target"] = target
        response = self._request("POST", "/faults", json=payload)
        if 400 <= response.status_code < 500:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise FaultRequestError(f"The demo service refused the fault: {reason}")
        if response.status_code != 201:
            raise SourceError(f"POST {self.base_url}/faults: HTTP {response.status_code}: {response.text[:200]}")
        return response.json()

    def stop_fault(self, fault_id: str) -> None:
        """DELETE /faults/{id}; an unknown id raises ``FaultRequestError``."""
        response = self._request("DELETE", f"/faults/{requests.utils.quote(fault_id, safe='')}")
        if response.status_code == 404:
            raise FaultRequestError(f"No active fault with id {fault_id!r} (it may have expired).")
        if response.status_code >= 400:
            raise SourceError(f"DELETE /faults/{fault_id}: HTTP {response.status_code}")

    def stop_all(self) -> int:
        """DELETE /faults; returns how many faults were stopped."""
        body = self._json("DELETE", "/faults")
        return int(body.get("stopped", 0)) if isinstance(body, dict) else 0


class DemoMetricsSource:
    """Scrapes /metrics and reports rates and quantiles over the interval since the last scrape."""

    name = "demo metrics"

    def __init__(self, client: DemoServiceClient) -> None:
        self.client = client
        self.target = f"{client.base_url}/metrics"
        self._previous: tuple[float, Snapshot] | None = None
        self._topology: Topology | None = None

    def fetch(self, now: float) -> list[MetricPoint]:
        snapshot = parse_snapshot(self.client.metrics_text())
        previous, self._previous = self._previous, (now, snapshot)
        if previous is None:
            return []
        return signals_between(previous[1], snapshot, now - previous[0], now)

    def topology(self) -> Topology:
        if self._topology is None:
            self._topology = self.client.topology()
        return self._topology


class DemoLogSource:
    """Follows /logs with its cursor; malformed lines are skipped and counted, never fatal."""

    name = "demo logs"

    def __init__(self, client: DemoServiceClient) -> None:
        self.client = client
        self.target = f"{client.base_url}/logs"
        self.cursor: str | None = None
        self.skipped = 0
        self.dropped = 0

    def fetch(self, now: float) -> list[LogEvent]:
        events: list[LogEvent] = []
        while True:
            page = self.client.logs(self.cursor, LOG_PAGE)
            if not isinstance(page, dict):
                page = {}
            lines = page.get("lines", [])
            if page.get("cursor") is not None:
                self.cursor = str(page["cursor"])
            self.dropped += int(page.get("dropped", 0) or 0)
            for line in lines:
                event = parse_log_line(line)
                if event is None:
                    self.skipped += 1
                else:
                    events.append(event)
            if len(lines) < LOG_PAGE:
                return events


def parse_log_line(line: Any) -> LogEvent | None:
    """A ``LogEvent`` from one JSON log object, or None when it lacks a usable ts/service/message."""
    if not isinstance(line, dict):
        return None
    try:
        ts = float(line["ts"])
        service = str(line["service"])[:200]
        message = str(line["message"])[:MAX_MESSAGE_CHARS]
    except (KeyError, TypeError, ValueError):
        return None
    level = str(line.get("level", "INFO")).upper()[:10]
    attrs = {str(k)[:100]: str(v)[:1000] for k, v in line.items() if k not in ("ts", "service", "level", "message")}
    return LogEvent(ts, service, level, message, attrs)
