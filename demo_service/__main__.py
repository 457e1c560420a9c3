"""Run the demo shop standalone: ``python -m demo_service --port 8001 [--host 127.0.0.1] [--seed 42]
[--metrics-style shop|otel|istio]``."""

from __future__ import annotations

import argparse
import sys
import threading

from demo_service.service import DemoService
from demo_service.styles import STYLES


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo_service",
        description="Simulated online shop serving /metrics, /logs, /health, /faults, /topology.",
    )
    parser.add_argument("--port", type=int, default=8001, help="TCP port, 0 for a free one (default 8001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the simulation (default 42)")
    parser.add_argument(
        "--metrics-style",
        choices=STYLES,
        default="shop",
        help="naming convention of /metrics: the shop's own shop_* names, OpenTelemetry HTTP semantic conventions"
        " (with cAdvisor and a service graph), or Istio sidecar metrics (with cAdvisor); default shop",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve on the wall clock until interrupted; returns the process exit code."""
    args = _arguments(argv)
    service = DemoService(seed=args.seed, metrics_style=args.metrics_style)
    try:
        url = service.start(host=args.host, port=args.port)
    except OSError as exc:
        print(f"demo_service: {exc}", file=sys.stderr)
        return 1
    print(f"demo shop serving at {url} (seed {args.seed}, {args.metrics_style} metrics); Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
