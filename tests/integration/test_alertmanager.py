"""Alert intake end to end: Debian's Prometheus evaluates an error-rate rule (``for: 5s``) on the demo shop,
Debian's Alertmanager (group_wait 1 s) routes it to the app's webhook, and the app records it on an incident
whose analysis names ``error_rate`` on the injected service; the alert's resolution is recorded; and with the
app stopped for 10 s while Alertmanager sends, no alert is lost (Alertmanager retries). A scrape target where
nothing listens (``up == 0``) opens a ``target_down`` incident."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.alerting import ERROR_RATE_RULE, Alertmanager, AppServer, PrometheusWithRules, alerting_available
from tests.sources.prometheus_server import REPO, demo_service, free_port

pytestmark = [
    pytest.mark.slow,  # three servers and the app in real time, about three minutes
    pytest.mark.skipif(not alerting_available(), reason="Debian's prometheus and prometheus-alertmanager are needed"),
]

TARGET = "checkout"


def eventually(what: str, probe: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    """The first truthy answer of ``probe`` within ``timeout`` seconds (request errors count as no answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = probe()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def webhook_failures(alertmanager: Alertmanager) -> float:
    """Failed webhook notifications Alertmanager has counted so far."""
    text = requests.get(f"{alertmanager.url}/metrics", timeout=5).text
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("alertmanager_notifications_failed_total") and 'integration="webhook"' in line
    ]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def all_alerts(app: AppServer) -> list[dict]:
    """Every alert the app attached to an incident."""
    incidents = requests.get(f"{app.url}/api/incidents?limit=100", timeout=5).json()
    return [
        a for i in incidents for a in requests.get(f"{app.url}/api/incidents/{i['id']}", timeout=5).json()["alerts"]
    ]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, PrometheusWithRules, Alertmanager, AppServer]]:
    with demo_service() as demo_url:
        nowhere = f"127.0.0.1:{free_port()}"  # a scrape target where nothing listens: up == 0
        app = AppServer(
            {
                "DATA_MODE": "prometheus_loki",
                "PROMQL_CONFIG_FILE": str(REPO / "deploy" / "promql-demo.toml"),
                "DEMO_SERVICE_URL": demo_url,
                "INCIDENT_DB_PATH": str(tmp_path / "app.duckdb"),
                "DETECTION_INTERVAL_SECONDS": "2",
                "CONFIRMATION_SECONDS": "4",
                "RESOLVE_AFTER_SECONDS": "600",
            }
        )
        alertmanager = Alertmanager(f"{app.url}/api/alerts/alertmanager")
        prometheus = PrometheusWithRules(
            {"demo-shop": demo_url.removeprefix("http://"), "ghost": nowhere},
            ERROR_RATE_RULE,
            f"127.0.0.1:{alertmanager.port}",
        )
        app.env["PROMETHEUS_URL"] = prometheus.url
        try:
            alertmanager.start()
            prometheus.start()
            app.start()
            yield demo_url, prometheus, alertmanager, app
        finally:
            for server in (app, prometheus, alertmanager):
                server.close()


def test_alerts_reach_incidents_survive_an_app_outage_and_resolve(
    stack: tuple[str, PrometheusWithRules, Alertmanager, AppServer],
) -> None:
    demo_url, prometheus, alertmanager, app = stack
    time.sleep(15)  # a baseline in Prometheus and in the app's store

    ghost = eventually(
        "a target_down incident for the target nobody serves",
        lambda: [i for i in requests.get(f"{app.url}/api/incidents", timeout=5).json() if i["services"] == ["ghost"]],
        30,
    )[0]
    assert ghost["title"] == "Target down: ghost does not answer" and ghost["severity"] == "SEV2"

    app.stop()  # the app goes away; the fault starts while it is down
    stopped = time.monotonic()
    fault = requests.post(
        f"{demo_url}/faults", json={"type": "error_rate", "target": TARGET, "duration_seconds": 600}, timeout=5
    )
    assert fault.status_code == 201, fault.text
    eventually("Alertmanager failing to deliver to the stopped app", lambda: webhook_failures(alertmanager) > 0, 60)
    time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))  # down for at least 10 s while Alertmanager sends
    failed_while_down = webhook_failures(alertmanager)
    app.start()

    def named_incident() -> dict | None:
        for summary in requests.get(f"{app.url}/api/incidents", timeout=5).json():
            causes = summary["root_causes"]
            if causes and (causes[0]["kind"], causes[0]["service"]) == ("error_rate", TARGET):
                detail = requests.get(f"{app.url}/api/incidents/{summary['id']}", timeout=5).json()
                if any(a["name"] == "HighErrorRate" and a["service"] == TARGET for a in detail["alerts"]):
                    return detail
        return None

    incident = eventually(
        "an incident with the alert whose analysis names error_rate on checkout", named_incident, 120, 2
    )
    (alert,) = [a for a in incident["alerts"] if a["service"] == TARGET]
    assert alert["status"] == "firing" and alert["severity"] == "SEV1" and alert["source"] == "alertmanager"
    assert any(s["rule"] == "alert" and s["service"] == TARGET for s in incident["signals"])
    assert failed_while_down > 0  # Alertmanager did try while the app was down, and retried until it was back

    # no alert lost: every series Prometheus fired during the run is recorded by the app
    fired = requests.get(
        f"{prometheus.url}/api/v1/query",
        params={"query": 'max_over_time(ALERTS{alertname="HighErrorRate",alertstate="firing"}[10m])'},
        timeout=5,
    ).json()["data"]["result"]
    fired_services = {series["metric"]["service"] for series in fired}
    assert TARGET in fired_services
    # an alert that began firing a moment ago (a caller's errors follow the target's) is still on its way:
    # Prometheus sends it on its next evaluation and Alertmanager after group_wait, so give delivery a minute
    eventually(
        f"the app recording every alert Prometheus fired ({sorted(fired_services)})",
        lambda: fired_services <= {a["service"] for a in all_alerts(app) if a["name"] == "HighErrorRate"},
        60,
        2,
    )

    requests.delete(f"{app.url}/api/faults", timeout=10).raise_for_status()  # stop the fault through the API
    resolved = eventually(
        "the alert's resolution",
        lambda: [
            a
            for a in requests.get(f"{app.url}/api/incidents/{incident['id']}", timeout=5).json()["alerts"]
            if a["service"] == TARGET and a["status"] == "resolved"
        ],
        90,
        2,
    )[0]
    assert resolved["ends_at"] is not None and resolved["deliveries"] >= 2
