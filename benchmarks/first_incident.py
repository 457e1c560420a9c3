"""Time from ``make run`` to a first incident with no browser: the issue's first acceptance check, measured.

    python -m benchmarks.first_incident --cwd /path/to/a/fresh/clone [--port 8590]

Starts ``make run PORT=<port>`` in ``--cwd`` (a fresh clone installs its venv first, which is not timed:
the clock starts once ``make`` has the environment), then prints the seconds until ``GET /api/health``
answers, ``POST /api/admin/fault`` (latency_spike, 120 s) is accepted, and ``GET /api/incidents`` lists an
incident whose ``root_causes[0]`` is ``latency_spike``. The server is stopped by its process group at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

DEADLINE_SECONDS = 30.0


def wait_for(what: str, probe, deadline_s: float) -> tuple[float, object]:
    """Poll ``probe`` every 0.2 s until it returns something truthy; (seconds taken, that value)."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        try:
            value = probe()
        except requests.RequestException:
            value = None
        if value:
            return time.monotonic() - started, value
        time.sleep(0.2)
    raise SystemExit(f"{what}: nothing after {deadline_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cwd", type=Path, required=True, help="a checkout to run `make run` in")
    parser.add_argument("--port", type=int, default=8590)
    args = parser.parse_args(argv)
    cwd = args.cwd.resolve()
    if not (cwd / ".venv" / ".installed").exists():
        print("installing the environment first (not timed)...", flush=True)
        subprocess.run(["make", "install"], cwd=cwd, check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "DEMO_SERVICE_URL", "DATA_MODE")}
    log = open(cwd / "first-incident-server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        ["make", "run", f"PORT={args.port}"],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}/api"
    try:
        up_s, _ = wait_for("GET /api/health", lambda: requests.get(f"{base}/health", timeout=2).ok, DEADLINE_SECONDS)
        print(f"GET /api/health answered {up_s:.1f} s after `make run`", flush=True)
        fault = requests.post(
            f"{base}/admin/fault", json={"type": "latency_spike", "duration_seconds": 120}, timeout=10
        )
        print(f"POST /api/admin/fault: HTTP {fault.status_code} {fault.text}", flush=True)
        if fault.status_code != 201:
            return 1

        def named() -> dict | None:
            for incident in requests.get(f"{base}/incidents", timeout=5).json():
                causes = incident["root_causes"]
                if causes and causes[0]["kind"] == "latency_spike":
                    return incident
            return None

        found_s, incident = wait_for("an incident naming latency_spike", named, DEADLINE_SECONDS)
        print(f"GET /api/incidents listed it {found_s:.1f} s after the fault was accepted:", flush=True)
        print(json.dumps({k: incident[k] for k in ("id", "title", "severity", "root_causes")}, indent=2))
        return 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
