"""Every endpoint's status codes and bodies, on a real local port."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from demo_service import DemoService, FaultRequestError, UnknownFaultError
from tests.demo_service.helpers import FAULT_KINDS, START, VirtualClock

SERVICES = ["frontend", "catalog", "checkout", "payments", "postgres", "cache"]


def test_health_reports_uptime_faults_and_simulated_time(url: str, clock: VirtualClock) -> None:
    clock.advance(12.5)
    response = requests.get(f"{url}/health", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body == {"status": "ok", "uptime_seconds": 12.5, "active_faults": 0, "simulated_time": START + 12}


def test_topology_lists_services_edges_and_the_external_gateway(url: str) -> None:
    body = requests.get(f"{url}/topology", timeout=5).json()
    assert body["services"] == SERVICES
    assert body["external"] == ["payment-gateway"]
    edges = {tuple(edge) for edge in body["edges"]}
    assert ("checkout", "payments") in edges
    assert ("payments", "payment-gateway") in edges
    assert len(edges) == 8


def test_metrics_expose_the_documented_families_only(url: str, clock: VirtualClock) -> None:
    clock.advance(30)
    response = requests.get(f"{url}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert set(families) == {
        "shop_requests",
        "shop_request_duration_seconds",
        "shop_db_query_duration_seconds",
        "shop_dependency_requests",
        "shop_process_cpu_seconds",
        "shop_process_resident_memory_bytes",
        "shop_up",
        "shop_process_cpu_limit_cores",
        "shop_disk_size_bytes",
        "shop_disk_used_bytes",
        "shop_db_pool_connections",
        "shop_db_pool_max_connections",
        "shop_db_pool_pending_requests",
        "shop_db_pool_timeouts",
        "shop_cache_requests",
    }
    assert "_created" not in response.text, "wall-clock samples would break determinism"
    served = {s.labels["service"] for s in families["shop_requests"].samples}
    assert served == set(SERVICES)
    db_clients = {s.labels["service"] for s in families["shop_db_query_duration_seconds"].samples}
    assert db_clients == {"catalog", "checkout"}
    les = [s.labels["le"] for s in families["shop_request_duration_seconds"].samples if s.name.endswith("_bucket")]
    assert les[:19] == [
        "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.3", "0.4",
        "0.5", "0.75", "1.0", "1.5", "2.0", "3.0", "5.0", "10.0", "+Inf",
    ]  # fmt: skip
    assert all(s.value == 1 for s in families["shop_up"].samples)


def test_fault_catalogue_lists_the_eleven_kinds(url: str) -> None:
    body = requests.get(f"{url}/faults", timeout=5).json()
    kinds = {k["type"]: k for k in body["catalogue"]}
    assert set(kinds) == FAULT_KINDS
    assert kinds["cpu_saturation"]["targets"] == SERVICES
    assert kinds["connection_pool_exhaustion"]["targets"] == ["catalog", "checkout"]
    assert kinds["traffic_surge"]["targets"] == ["frontend"]
    assert kinds["db_slow"]["targets"] == ["postgres"]
    assert kinds["dependency_down"]["default_target"] == "payment-gateway"
    assert kinds["error_rate"]["default_target"] == "checkout"
    assert all(k["description"] for k in kinds.values())
    assert body["active"] == []


def test_inject_list_and_stop_faults(url: str, clock: VirtualClock) -> None:
    created = requests.post(f"{url}/faults", json={"type": "error_rate", "duration_seconds": 60}, timeout=5)
    assert created.status_code == 201
    fault = created.json()
    assert fault["type"] == "error_rate"
    assert fault["target"] == "checkout"
    assert fault["intensity"] == 1.0
    assert fault["expires_at"] - fault["started_at"] == 60
    clock.advance(10)
    active = requests.get(f"{url}/faults", timeout=5).json()["active"]
    assert [(a["id"], a["remaining_seconds"]) for a in active] == [(fault["id"], 50.0)]
    assert requests.get(f"{url}/health", timeout=5).json()["active_faults"] == 1

    stopped = requests.delete(f"{url}/faults/{fault['id']}", timeout=5)
    assert stopped.status_code == 200
    assert stopped.json()["stopped"]["id"] == fault["id"]
    again = requests.delete(f"{url}/faults/{fault['id']}", timeout=5)
    assert again.status_code == 404
    assert fault["id"] in again.json()["error"]

    for kind in ("latency_spike", "db_slow"):
        requests.post(f"{url}/faults", json={"type": kind}, timeout=5).raise_for_status()
    cleared = requests.delete(f"{url}/faults", timeout=5)
    assert cleared.status_code == 200
    assert cleared.json() == {"stopped": 2}
    assert requests.get(f"{url}/faults", timeout=5).json()["active"] == []


def test_faults_expire_by_the_clock(url: str, clock: VirtualClock) -> None:
    requests.post(f"{url}/faults", json={"type": "latency_spike", "duration_seconds": 20}, timeout=5).raise_for_status()
    clock.advance(19)
    assert len(requests.get(f"{url}/faults", timeout=5).json()["active"]) == 1
    clock.advance(1)
    assert requests.get(f"{url}/faults", timeout=5).json()["active"] == []
    assert requests.get(f"{url}/health", timeout=5).json()["active_faults"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/nope", 404, id="unknown-path"),
        pytest.param("GET", "/faults/", 404, id="faults-slash"),
        pytest.param("POST", "/health", 405, id="post-health"),
        pytest.param("DELETE", "/metrics", 405, id="delete-metrics"),
        pytest.param("PUT", "/faults", 405, id="put-faults"),
        pytest.param("GET", "/faults/fault-1", 405, id="get-one-fault"),
        pytest.param("PATCH", "/logs", 405, id="patch-logs"),
    ],
)
def test_unknown_paths_and_wrong_methods_answer_json(url: str, method: str, path: str, status: int) -> None:
    response = requests.request(method, f"{url}{path}", timeout=5)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]
    if status == 405:
        assert response.headers["Allow"]
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


def test_garbage_on_the_socket_does_not_stop_the_server(url: str) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as raw:
        raw.sendall(b"\x00\xffnot http at all\r\n\r\n")
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


def test_python_api_mirrors_http(clock: VirtualClock) -> None:
    svc = DemoService(clock=clock, seed=1)
    assert {k["type"] for k in svc.catalogue()} >= {"db_slow", "memory_leak"}
    fault = svc.inject("db_slow", intensity=0.5, duration_seconds=30)
    assert fault["target"] == "postgres"
    assert [a["id"] for a in svc.active_faults()] == [fault["id"]]
    with pytest.raises(FaultRequestError, match="valid targets: postgres"):
        svc.inject("db_slow", target="checkout")
    with pytest.raises(UnknownFaultError, match="fault-99"):
        svc.stop_fault("fault-99")
    assert svc.stop_fault(fault["id"])["id"] == fault["id"]
    assert svc.stop_all() == 0
    assert svc.health()["status"] == "ok"
    assert svc.topology()["external"] == ["payment-gateway"]
    clock.advance(5)
    assert "shop_requests_total" in svc.metrics_text()
    assert svc.read_logs(limit=1)["cursor"] == "1"


def test_start_twice_is_refused_and_stop_is_idempotent(clock: VirtualClock) -> None:
    with DemoService(clock=clock) as svc:
        url = svc.start()
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already serving"):
            svc.start()
        svc.stop()
        svc.stop()
        assert svc.url is None


def test_head_answers_like_get_without_a_body(url: str) -> None:
    response = requests.head(f"{url}/health", timeout=5)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0
    assert requests.delete(f"{url}/health", timeout=5).headers["Allow"] == "GET, HEAD"
