"""End to end on a virtual clock: demo shop → detection → five agents → report, for each seed fault."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings
from core.simulation import FaultSpec, simulate
from demo_service import DemoService

pytestmark = pytest.mark.slow  # simulates 5 to 60 minutes of the shop per test

SEED_FAULTS = ["error_rate", "latency_spike", "db_slow", "memory_leak", "dependency_down"]
DEFAULT_TARGET = {
    "error_rate": "checkout",
    "latency_spike": "checkout",
    "db_slow": "postgres",
    "memory_leak": "checkout",
    "dependency_down": "payment-gateway",
}


@pytest.mark.parametrize("fault", SEED_FAULTS)
def test_each_seed_fault_yields_one_incident_with_the_right_cause(fault: str, tmp_path: Path) -> None:
    result = simulate(
        [FaultSpec(fault)],
        demo=DemoService,
        settings=Settings(),
        duration=300,
        warmup=300,
        seed=1,
        db=tmp_path / "sim.duckdb",
    )
    (incident,) = result.incidents
    assert incident.detection_delay_s <= (60 if fault == "memory_leak" else 15)
    top = incident.root_causes[0]
    assert (top.kind, top.service) == (fault, DEFAULT_TARGET[fault])
    assert 0 < top.confidence <= 1
    assert top.evidence, "a hypothesis without evidence"
    assert incident.analysis_status == "done"
    markdown = incident.rca_markdown
    for section in ("Executive Summary", "Timeline", "Root Cause", "Immediate Actions", "Prevention", "Log Patterns"):
        assert f"## {section}" in markdown


def test_fault_free_hour_opens_nothing(tmp_path: Path) -> None:
    result = simulate(
        [], demo=DemoService, settings=Settings(), duration=3600, warmup=300, seed=2, db=tmp_path / "quiet.duckdb"
    )
    assert result.incidents == []


def test_cli_json_output_and_fault_parsing(tmp_path: Path) -> None:
    db = tmp_path / "kept.duckdb"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "simulate",
            "--fault",
            "error_rate:payments:0.8",
            "--duration",
            "60",
            "--warmup",
            "120",
            "--seed",
            "4",
            "--json",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(completed.stdout)
    assert [(f["type"], f["target"], f["intensity"]) for f in result["faults"]] == [("error_rate", "payments", 0.8)]
    (incident,) = result["incidents"]
    assert incident["root_causes"][0]["service"] == "payments"
    listed = subprocess.run(
        [sys.executable, "-m", "core.cli", "incidents", "list", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert incident["id"][:8] in listed.stdout


def test_cli_rejects_a_bad_fault_with_the_demo_services_reason(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "simulate",
            "--fault",
            "error_rate:postgres",
            "--duration",
            "10",
            "--warmup",
            "10",
            "--db",
            str(tmp_path / "x.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "postgres" in completed.stderr and "error:" in completed.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("db_slow", FaultSpec("db_slow"), id="type"),
        pytest.param("error_rate:payments", FaultSpec("error_rate", "payments"), id="target"),
        pytest.param("error_rate:payments:0.3", FaultSpec("error_rate", "payments", 0.3), id="intensity"),
        pytest.param("error_rate::0.3", FaultSpec("error_rate", None, 0.3), id="default-target"),
    ],
)
def test_fault_spec_parsing(text: str, expected: FaultSpec) -> None:
    assert FaultSpec.parse(text) == expected
