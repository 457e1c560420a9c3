"""POST /faults refuses every bad request with a message naming the problem, and keeps serving."""

from __future__ import annotations

import json

import pytest
import requests

from demo_service.faults import FaultRequestError, validate_fault


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        pytest.param({"type": "nope"}, 400, "unknown fault type 'nope'; known fault types: bad_", id="unknown-type"),
        pytest.param({}, 400, "'type' is required", id="missing-type"),
        pytest.param({"type": 3}, 400, "'type' must be a string", id="type-not-string"),
        pytest.param(
            {"type": "error_rate", "target": "mainframe"}, 400, "unknown target 'mainframe'", id="target-not-a-service"
        ),
        pytest.param(
            {"type": "db_slow", "target": "checkout"},
            400,
            "fault type 'db_slow' cannot target 'checkout'; valid targets: postgres",
            id="target-not-valid-for-type",
        ),
        pytest.param(
            {"type": "latency_spike", "target": "postgres"},
            400,
            "valid targets: frontend, catalog, checkout, payments",
            id="latency-on-postgres",
        ),
        pytest.param(
            {"type": "error_rate", "intensity": 0}, 400, "'intensity' must be in (0, 1], got 0", id="intensity-0"
        ),
        pytest.param(
            {"type": "error_rate", "intensity": 1.5}, 400, "'intensity' must be in (0, 1], got 1.5", id="intensity-1.5"
        ),
        pytest.param(
            {"type": "error_rate", "intensity": "x"}, 400, "'intensity' must be a number, got 'x'", id="intensity-x"
        ),
        pytest.param(
            {"type": "error_rate", "intensity": True}, 400, "'intensity' must be a number", id="intensity-bool"
        ),
        pytest.param(
            {"type": "error_rate", "duration_seconds": 0},
            400,
            "'duration_seconds' must be between 1 and 3600 seconds, got 0",
            id="duration-0",
        ),
        pytest.param(
            {"type": "error_rate", "duration_seconds": 3601},
            400,
            "'duration_seconds' must be between 1 and 3600 seconds, got 3601",
            id="duration-3601",
        ),
        pytest.param(
            {"type": "error_rate", "duration_seconds": "60"},
            400,
            "'duration_seconds' must be a number",
            id="duration-string",
        ),
        pytest.param(
            {"type": "error_rate", "colour": "red"},
            400,
            "unknown field(s) 'colour'; allowed fields: type, target, intensity, duration_seconds",
            id="extra-field",
        ),
        pytest.param([1, 2], 400, "request body must be a JSON object", id="array-body"),
        pytest.param("error_rate", 400, "request body must be a JSON object", id="string-body"),
    ],
)
def test_bad_fault_requests_are_refused(url: str, body: object, status: int, expected: str) -> None:
    response = requests.post(f"{url}/faults", json=body, timeout=5)
    assert response.status_code == status
    assert expected in response.json()["error"]
    assert requests.get(f"{url}/health", timeout=5).status_code == 200
    assert requests.get(f"{url}/faults", timeout=5).json()["active"] == []


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        pytest.param(b'{"type": "error_rate"', 400, "malformed JSON", id="truncated-json"),
        pytest.param(b"{type: error_rate}", 400, "malformed JSON", id="unquoted-json"),
        pytest.param(b"", 400, "request body is empty", id="empty-body"),
        pytest.param(b"\xff\xfe\x00", 400, "not UTF-8", id="not-utf8"),
        pytest.param(b"[" * 50_000 + b"]" * 50_000, 413, "exceeds the 65536-byte limit", id="huge-body"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, 400, "malformed JSON", id="deeply-nested"),
        pytest.param(b'{"type": "error_rate", "intensity": NaN}', 400, "finite number", id="nan-intensity"),
    ],
)
def test_unparseable_bodies_are_refused(url: str, raw: bytes, status: int, expected: str) -> None:
    response = requests.post(f"{url}/faults", data=raw, headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == status
    assert expected in response.json()["error"]
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


def test_chunked_bodies_are_refused(url: str) -> None:
    chunks = iter([json.dumps({"type": "error_rate"}).encode()])
    response = requests.post(f"{url}/faults", data=chunks, timeout=5)
    assert response.status_code == 411
    assert "Content-Length" in response.json()["error"]
    assert requests.get(f"{url}/health", timeout=5).status_code == 200


def test_defaults_fill_missing_fields() -> None:
    request = validate_fault("dependency_down")
    assert (request.target, request.intensity, request.duration_seconds) == ("payment-gateway", 1.0, 120.0)


def test_python_validation_raises_value_errors() -> None:
    with pytest.raises(FaultRequestError, match="known fault types: bad_deploy, cache_failure, connection"):
        validate_fault("cpu_melt")
    assert issubclass(FaultRequestError, ValueError)
