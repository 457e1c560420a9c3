"""The demo service over HTTP: its API client, the metrics and log sources built on it, and the seam through
which the app and the CLI embed one (``core`` never imports ``demo_service``)."""

from __future__ import annotations

from typing import Any, Protocol

import requests
from pydantic import ValidationError
from requests.adapters import BaseAdapter

from core.clock import Clock
from core.errors import ConfigError, FaultRequestError, SourceError
from core.models import FaultListing, InjectedFault, LogEvent, MetricPoint, Topology
from core.sources.base import TargetHealth
from core.sources.http import HttpClient, body_excerpt
from core.sources.in_process import IN_PROCESS_URL, InProcessTransport
from core.sources.prometheus_text import Snapshot, parse_snapshot
from core.sources.rates import signals_between

MAX_MESSAGE_CHARS = 10_000
LOG_PAGE = 5_000
#: Seconds one request to the demo service may take.
TIMEOUT_SECONDS = 5.0
#: The service a target-down signal names when the demo service (one scrape target for the whole shop) is down.
DEMO_TARGET_SERVICE = "demo-service"


class EmbeddedDemo(Protocol):
    """A demo service served by this process (``demo_service.DemoService``) until stopped."""

    def start(self, host: str = ..., port: int = ...) -> str:
        """Serve on ``host:port`` (0: a free port); returns the base URL."""
        ...

    def stop(self) -> None:
        """Stop serving and release the port."""
        ...

    def handle(self, method: str, target: str, body: bytes = ...) -> tuple[int, bytes, str]:
        """Answer one request without a socket, byte for byte as its server would: (status, body, type)."""
        ...


class DemoFactory(Protocol):
    """Builds an embedded demo service on ``clock`` with ``seed``: the app and the CLI pass ``DemoService``."""

    def __call__(self, *, clock: Clock, seed: int) -> EmbeddedDemo: ...


class DemoServiceClient:
    """Typed access to the demo service's HTTP API; every transport problem becomes ``SourceError``."""

    def __init__(
        self, base_url: str, *, timeout: float = TIMEOUT_SECONDS, transport: BaseAdapter | None = None
    ) -> None:
        self._http = HttpClient(base_url, timeout=timeout, transport=transport)

    @property
    def base_url(self) -> str:
        """The service's URL as it may be shown: no user info, no query."""
        return self._http.display_url

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    def _checked(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SourceError(f"{self._where(method, path)}: HTTP {response.status_code}: {body_excerpt(response)}")
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._checked(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(f"{self._where(method, path)}: answer is not JSON") from exc

    def _where(self, method: str, path: str) -> str:
        return f"{method} {self.base_url}{path}"

    def health(self) -> dict[str, Any]:
        """The /health answer."""
        return self._json("GET", "/health")

    def metrics_text(self) -> str:
        """The /metrics exposition."""
        return self._checked("GET", "/metrics").text

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
        except ValidationError as exc:
            raise SourceError(
                f"{self._where('GET', '/topology')}: unexpected answer: {exc.error_count()} error(s)"
            ) from exc

    def faults(self) -> FaultListing:
        """The fault catalogue and the active faults."""
        try:
            return FaultListing.model_validate(self._json("GET", "/faults"))
        except ValidationError as exc:
            raise SourceError(
                f"{self._where('GET', '/faults')}: unexpected answer: {exc.error_count()} error(s)"
            ) from exc

    def inject(self, type_: str, target: str | None, intensity: float, duration_seconds: float) -> InjectedFault:
        """POST /faults; a refusal raises ``FaultRequestError`` with the service's reason."""
        payload: dict[str, Any] = {"type": type_, "intensity": intensity, "duration_seconds": duration_seconds}
        if target:
            payload["target"] = target
        response = self._http.request("POST", "/faults", json=payload)
        if 400 <= response.status_code < 500:
            try:
                reason = response.json().get("error", response.text)
            except ValueError:
                reason = response.text
            raise FaultRequestError(f"The demo service refused the fault: {reason}")
        if response.status_code != 201:
            raise SourceError(
                f"{self._where('POST', '/faults')}: HTTP {response.status_code}: {body_excerpt(response)}"
            )
        try:
            return InjectedFault.model_validate(response.json())
        except ValueError as exc:  # not JSON, or not a fault (ValidationError is a ValueError)
            raise SourceError(f"{self._where('POST', '/faults')}: unexpected answer") from exc

    def stop_fault(self, fault_id: str) -> None:
        """DELETE /faults/{id}; an unknown id raises ``FaultRequestError``."""
        path = f"/faults/{requests.utils.quote(fault_id, safe='')}"
        response = self._http.request("DELETE", path)
        if response.status_code == 404:
            raise FaultRequestError(f"No active fault with id {fault_id!r} (it may have expired).")
        if response.status_code >= 400:
            raise SourceError(f"{self._where('DELETE', path)}: HTTP {response.status_code}")

    def stop_all(self) -> int:
        """DELETE /faults; returns how many faults were stopped."""
        body = self._json("DELETE", "/faults")
        return int(body.get("stopped", 0)) if isinstance(body, dict) else 0


def open_demo(
    url: str | None, clock: Clock, seed: int, embed: DemoFactory | None, *, in_process: bool = False
) -> tuple[DemoServiceClient, EmbeddedDemo | None]:
    """A client of the demo service at ``url``, or of one built with ``embed`` and served on a free local
    port (returned too, to stop it), or with ``in_process`` reached without a socket (simulations: see
    ``core.sources.in_process``); ``ConfigError`` when there is neither."""
    if url:
        try:
            return DemoServiceClient(url), None
        except ValueError as exc:
            raise ConfigError(f"DEMO_SERVICE_URL: {exc}") from exc
    if embed is None:
        raise ConfigError(
            "No demo service: set DEMO_SERVICE_URL to a running one (python -m demo_service --port 8001), "
            "or start the app or the CLI, which embed one."
        )
    embedded = embed(clock=clock, seed=seed)
    if in_process:
        return DemoServiceClient(IN_PROCESS_URL, transport=InProcessTransport(embedded.handle)), embedded
    try:
        return DemoServiceClient(embedded.start(host="127.0.0.1", port=0)), embedded
    except Exception:
        embedded.stop()
        raise


class DemoMetricsSource:
    """Scrapes /metrics and reports rates and quantiles over the interval since the last scrape."""

    name = "demo metrics"

    def __init__(self, client: DemoServiceClient) -> None:
        self.client = client
        self.target = f"{client.base_url}/metrics"
        self._previous: tuple[float, Snapshot] | None = None
        self._topology: Topology | None = None
        self._scrape_error: str | None = None

    def fetch(self, now: float) -> list[MetricPoint]:
        try:
            text = self.client.metrics_text()
        except SourceError as exc:
            self._scrape_error = str(exc)
            raise
        self._scrape_error = None
        snapshot = parse_snapshot(text)
        previous, self._previous = self._previous, (now, snapshot)
        if previous is None:
            return []
        return signals_between(previous[1], snapshot, now - previous[0], now)

    def topology(self) -> Topology:
        if self._topology is None:
            self._topology = self.client.topology()
        return self._topology

    def targets(self, now: float) -> list[TargetHealth]:
        """The demo service as one scrape target: down when the latest scrape of /metrics failed (as ``up``)."""
        return [TargetHealth(DEMO_TARGET_SERVICE, self.target, self._scrape_error is None, self._scrape_error)]


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
