"""``DemoService``: the simulated shop with an HTTP server, started and stopped from Python."""

from __future__ import annotations

import threading
from types import TracebackType

from demo_service.clock import Clock
from demo_service.faults import DEFAULT_DURATION_SECONDS, DEFAULT_INTENSITY, catalogue, validate_fault
from demo_service.logbuffer import DEFAULT_CAPACITY
from demo_service.server import ShopHTTPServer, handle
from demo_service.simulation import Simulation
from demo_service.topology import topology_document


class DemoService:
    """A simulated online shop serving /metrics, /logs, /health, /faults and /topology over HTTP.

    ``clock`` is any object with ``now() -> float`` (Unix seconds); the wall clock when None.
    ``metrics_style`` names the convention of /metrics (``demo_service.styles.STYLES``).
    The shop only advances when asked something, to the clock's current time.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 42,
        log_capacity: int = DEFAULT_CAPACITY,
        metrics_style: str = "shop",
    ) -> None:
        self.simulation = Simulation(clock=clock, seed=seed, log_capacity=log_capacity, metrics_style=metrics_style)
        self._server: ShopHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str | None:
        """Base URL such as ``http://127.0.0.1:8001`` while serving, else None."""
        return self._url

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve HTTP on ``host:port`` (0: a free port) in a background thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError(f"the demo service is already serving at {self._url}")
        try:
            server = ShopHTTPServer((host, port), self.simulation)
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        bound_host, bound_port = server.server_address[:2]
        if isinstance(bound_host, bytes):  # only for AF_UNIX, which this server never binds
            bound_host = bound_host.decode()
        self._server = server
        self._url = f"http://{bound_host}:{bound_port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"demo-service-{bound_port}",
            daemon=True,
        )
        self._thread.start()
        return self._url

    def stop(self) -> None:
        """Stop serving and release the port; does nothing when not serving."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)
        self._server = self._thread = self._url = None

    def handle(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes, str]:
        """Answer one request without a socket: (status, body, content type), byte for byte what the HTTP
        server sends for ``method`` on ``target`` (path and query, e.g. ``/logs?since=3``). Simulations
        reach the shop this way, where the loopback round trip would cost more than the shop itself."""
        return handle(self.simulation, method, target, body)

    def __enter__(self) -> DemoService:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def inject(
        self,
        type: str,
        target: str | None = None,
        intensity: float = DEFAULT_INTENSITY,
        duration_seconds: float = DEFAULT_DURATION_SECONDS,
    ) -> dict[str, object]:
        """Start a fault now; raises FaultRequestError (a ValueError) naming an invalid argument."""
        request = validate_fault(type, target, intensity, duration_seconds)
        return self.simulation.inject(request)

    def stop_fault(self, fault_id: str) -> dict[str, object]:
        """Stop one active fault and return it; raises UnknownFaultError (a LookupError) if unknown."""
        return self.simulation.stop_fault(fault_id)

    def stop_all(self) -> int:
        """Stop every active fault; returns how many were active."""
        return self.simulation.stop_all()

    def catalogue(self) -> list[dict[str, object]]:
        """Every fault kind: type, description, targets and default target."""
        return [kind.document() for kind in catalogue()]

    def active_faults(self) -> list[dict[str, object]]:
        """Active faults with ``remaining_seconds``, in injection order."""
        active = self.simulation.faults()["active"]
        assert isinstance(active, list)
        return active

    def health(self) -> dict[str, object]:
        """The ``GET /health`` body."""
        return self.simulation.health()

    def metrics_text(self) -> str:
        """The ``GET /metrics`` body (Prometheus text format)."""
        return self.simulation.metrics_text().decode()

    def read_logs(self, since: str | None = None, limit: int | None = None) -> dict[str, object]:
        """The ``GET /logs`` body: lines after cursor ``since``, at most ``limit`` (default 1000)."""
        return self.simulation.read_logs(since, limit)

    @staticmethod
    def topology() -> dict[str, list]:
        """The ``GET /topology`` body."""
        return topology_document()
