"""`watch` with Prometheus as the only metrics source: a real Prometheus scraping the standalone demo service."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.sources.prometheus_server import REPO, PrometheusServer, demo_service, prometheus_available

pytestmark = [
    pytest.mark.slow,  # a real Prometheus scraping the demo service in real time
    pytest.mark.skipif(not prometheus_available(), reason="Debian's prometheus is not installed"),
]


def lines_of(process: subprocess.Popen[str]) -> "queue.Queue[str]":
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def next_event(lines: "queue.Queue[str]", event: str, deadline: float) -> dict:
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        record = json.loads(line)
        if record.get("event") == event:
            return record
    raise AssertionError(f"no {event!r} event before the deadline")


def test_watch_through_prometheus_names_the_injected_fault(tmp_path: Path) -> None:
    with demo_service() as demo_url:
        prometheus = PrometheusServer(demo_url.removeprefix("http://"))
        prometheus.start()
        env = dict(
            os.environ,
            DATA_MODE="prometheus_loki",
            PROMETHEUS_URL=prometheus.url,
            PROMQL_CONFIG_FILE=str(REPO / "deploy" / "promql-demo.toml"),
            DEMO_SERVICE_URL=demo_url,  # only for the fault catalogue; metrics come from Prometheus alone
            INCIDENT_DB_PATH=str(tmp_path / "watch.duckdb"),
            DETECTION_INTERVAL_SECONDS="2",
            CONFIRMATION_SECONDS="4",
        )
        watch = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "watch", "--duration", "180", "--json"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            lines = lines_of(watch)
            assert next_event(lines, "started", time.monotonic() + 30)["demo_service"] == demo_url
            time.sleep(20)  # a baseline in Prometheus and in the store

            prometheus.stop()  # Prometheus goes away mid-run
            stopped = time.monotonic()
            failed = next_event(lines, "source_failed", stopped + 10)
            assert failed["source"] == "prometheus" and prometheus.url in failed["target"]
            assert time.monotonic() - stopped <= 2 * 2 + 2  # within one poll (2 s) plus the watch loop's 1 s
            time.sleep(15)
            prometheus.start()  # same port, same data: back without restarting the tool
            assert next_event(lines, "source_recovered", time.monotonic() + 15)["source"] == "prometheus"
            time.sleep(10)
            answer = requests.post(f"{demo_url}/faults", json={"type": "error_rate", "target": "payments"}, timeout=5)
            assert answer.status_code == 201
            injected = time.monotonic()
            opened = next_event(lines, "opened", injected + 60)
            assert opened["detected_at"] > time.time() - (time.monotonic() - injected) - 1, "opened from the gap"
            analyzed = next_event(lines, "analyzed", injected + 60)
            assert time.monotonic() - injected < 60
            top = analyzed["root_causes"][0]
            assert (top["kind"], top["service"]) == ("error_rate", "payments")
        finally:
            watch.terminate()
            watch.wait(15)
            prometheus.close()
