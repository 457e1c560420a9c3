"""The API load run: the server, a browser session, the clients and the figures (see ``benchmarks.api``)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BUSY = "is busy with another call"  # DuckDB's refusal of concurrent use of one connection
START_TIMEOUT_S = 60.0


@dataclass
class Tally:
    """Latencies (seconds) and failures, shared by the client threads."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, seconds: float, failure: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_route[route] += 1
            if failure:
                self.failures[f"{route}: {failure}"] += 1


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(folder: Path) -> Iterator[tuple[str, Path]]:
    """The app on a free port with its database in ``folder``; yields (base URL, log file)."""
    port = free_port()
    log = folder / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in ("API_TOKEN", "DEMO_SERVICE_URL", "DATA_MODE")}
    env["INCIDENT_DB_PATH"] = str(folder / "bench.duckdb")
    command = [sys.executable, "-m", "streamlit", "run", "app/main.py", "--server.address", "127.0.0.1"]
    command += ["--server.port", str(port), "--server.fileWatcherType", "none"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: requests.get(f"{base}/api/health", timeout=2).ok, START_TIMEOUT_S, "the server's /api/health")
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait(probe, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = probe()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"{what}: nothing after {timeout:.0f} s")


@contextmanager
def browser_on(url: str) -> Iterator[None]:
    """Chromium with the dashboard open (its live panels keep polling) for as long as the block runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = chromium.new_page()
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_text("Dashboard").first.wait_for(timeout=60_000)
            yield
        finally:
            chromium.close()


def requests_for(base: str, incident_id: str) -> list[tuple[str, str, str, dict | None]]:
    """The (name, method, url, json) mix one client cycles through: mostly reads, some writes."""
    api = f"{base}/api"
    alert = {"title": "Benchmark alert", "service": "catalog", "severity": "info", "starts_at": 1_800_000_000}
    return [
        ("GET /incidents", "GET", f"{api}/incidents?limit=50", None),
        ("GET /incidents/{id}", "GET", f"{api}/incidents/{incident_id}", None),
        ("GET /incidents?status", "GET", f"{api}/incidents?status=OPEN,INVESTIGATING&severity=SEV1,SEV2", None),
        ("GET /health", "GET", f"{api}/health", None),
        ("GET /status", "GET", f"{api}/status", None),
        ("GET /report.md", "GET", f"{api}/incidents/{incident_id}/report.md", None),
        ("POST /alerts", "POST", f"{api}/alerts", alert),
        ("POST /acknowledge", "POST", f"{api}/incidents/{incident_id}/acknowledge", {"by": "bench"}),
    ]


def client(mix: list[tuple[str, str, str, dict | None]], until: float, tally: Tally, seed: int) -> None:
    """One client: its own connection, requests from ``mix`` in a shuffled cycle until ``until``."""
    order = random.Random(seed)
    with requests.Session() as session:
        while time.monotonic() < until:
            name, method, url, body = order.choice(mix)
            started = time.perf_counter()
            try:
                response = session.request(method, url, json=body, timeout=60)
                failure = None if response.ok else f"HTTP {response.status_code} {response.text[:120]}"
            except requests.RequestException as exc:
                failure = type(exc).__name__
            tally.record(name, time.perf_counter() - started, failure)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run(clients: int, seconds: float) -> int:
    """Run the benchmark and print its figures; 1 when a request failed or DuckDB refused a busy connection."""
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp, server(Path(tmp)) as (base, log):
        injected = requests.post(
            f"{base}/api/admin/fault", json={"type": "error_rate", "duration_seconds": 600}, timeout=10
        )
        injected.raise_for_status()
        incident = wait(
            lambda: next(
                (i for i in requests.get(f"{base}/api/incidents", timeout=5).json() if i["root_causes"]), None
            ),
            90,
            "an analysed incident",
        )
        print(
            f"server {base}: incident {incident['id'][:8]} analysed ({incident['root_causes'][0]['kind']})", flush=True
        )
        with browser_on(base):
            polls_before = requests.get(f"{base}/api/health", timeout=5).json()["polls"]
            tally = Tally()
            until = time.monotonic() + seconds
            threads = [
                threading.Thread(target=client, args=(requests_for(base, incident["id"]), until, tally, n), daemon=True)
                for n in range(clients)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            health = requests.get(f"{base}/api/health", timeout=5).json()
        busy = log.read_text(errors="replace").count(BUSY)
    report(tally, clients, elapsed, health["polls"] - polls_before, health["scheduler_running"], busy)
    return 1 if tally.failures or busy else 0


def report(tally: Tally, clients: int, elapsed: float, polls: int, scheduler: bool, busy: int) -> None:
    """Print the figures."""
    ms = sorted(x * 1000 for x in tally.latencies)
    total = len(ms)
    print(
        f"{clients} clients for {elapsed:.1f} s with a browser session open; detection polls meanwhile: {polls}"
        f" (scheduler running: {scheduler})"
    )
    print(f"requests: {total}  ({total / elapsed:.1f} requests/s)")
    print(
        f"latency ms: p50 {percentile(ms, 50):.0f}  p95 {percentile(ms, 95):.0f}  p99 {percentile(ms, 99):.0f}"
        f"  max {ms[-1]:.0f}"
    )
    print("per route: " + ", ".join(f"{name} {count}" for name, count in sorted(tally.by_route.items())))
    print(f"failed requests: {sum(tally.failures.values())}")
    for failure, count in tally.failures.most_common(5):
        print(f"  {count} x {failure}")
    print(f'DuckDB "connection is busy" errors in the server log: {busy}')
