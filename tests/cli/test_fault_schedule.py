"""Fault schedules for ``simulate --scenario``: JSON or TOML, each mistake named, and a session run from one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.fault_schedule import FaultSpec, load_schedule, parse_schedule

TOML = """
[[faults]]
type = "latency_spike"
target = "catalog"
intensity = 0.6
start_s = 150
duration_s = 60

[[faults]]
type = "error_rate"
"""


def test_a_toml_schedule_in_order_of_start() -> None:
    assert parse_schedule(TOML, toml=True) == [
        FaultSpec("error_rate"),
        FaultSpec("latency_spike", "catalog", 0.6, 150.0, 60.0),
    ]


def test_json_and_toml_files_read_alike(tmp_path: Path) -> None:
    specs = parse_schedule(TOML, toml=True)
    (tmp_path / "s.toml").write_text(TOML)
    raw = {
        "faults": [
            {"type": "latency_spike", "target": "catalog", "intensity": 0.6, "start_s": 150, "duration_s": 60},
            {"type": "error_rate"},
        ]
    }
    (tmp_path / "s.json").write_text(json.dumps(raw))
    (tmp_path / "s.txt").write_text(TOML)  # no suffix to go by: TOML, since it is not a JSON object
    assert (
        load_schedule(tmp_path / "s.toml")
        == load_schedule(tmp_path / "s.json")
        == load_schedule(tmp_path / "s.txt")
        == specs
    )


@pytest.mark.parametrize(
    ("text", "toml", "message"),
    [
        pytest.param("{", False, "not valid JSON", id="json-syntax"),
        pytest.param("[faults", True, "not valid TOML", id="toml-syntax"),
        pytest.param("[1, 2]", False, "expected an object with a 'faults' list, got list", id="not-an-object"),
        pytest.param("{}", False, "faults: Field required", id="no-faults"),
        pytest.param('{"faults": []}', False, "faults: List should have at least 1 item", id="empty"),
        pytest.param('{"faults": [{"target": "x"}]}', False, "faults.0.type: Field required", id="no-type"),
        pytest.param('{"faults": [{"type": "x", "intensity": 2}]}', False, "faults.0.intensity", id="intensity"),
        pytest.param('{"faults": [{"type": "x", "start_s": -1}]}', False, "faults.0.start_s", id="negative-start"),
        pytest.param('{"faults": [{"type": "x", "duration": 5}]}', False, "faults.0.duration: Extra", id="typo"),
    ],
)
def test_a_bad_schedule_names_what_is_wrong(text: str, toml: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_schedule(text, toml=toml)


def _simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "simulate", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow  # two processes
def test_cli_names_an_unreadable_or_bad_scenario_file(tmp_path: Path) -> None:
    missing = _simulate("--scenario", str(tmp_path / "none.toml"))
    assert missing.returncode == 2 and "--scenario" in missing.stderr and "none.toml" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"faults": [{"type": "error_rate", "intensity": 0}]}')
    wrong = _simulate("--scenario", str(bad))
    assert wrong.returncode == 2 and "faults.0.intensity" in wrong.stderr and "bad.json" in wrong.stderr


@pytest.mark.slow
def test_cli_runs_a_session_and_prints_each_fault_and_incident(tmp_path: Path) -> None:
    schedule = tmp_path / "session.toml"
    schedule.write_text(
        '[[faults]]\ntype = "error_rate"\ntarget = "checkout"\nduration_s = 60\n\n'
        '[[faults]]\ntype = "cpu_saturation"\ntarget = "postgres"\nstart_s = 200\nduration_s = 60\n'
    )
    completed = _simulate("--scenario", str(schedule), "--duration", "420", "--warmup", "200", "--seed", "3", "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert [(f["type"], f["start_s"]) for f in result["faults"]] == [("error_rate", 0.0), ("cpu_saturation", 200.0)]
    first, second = result["incidents"]
    faults = {f["id"]: f for f in result["faults"]}
    for incident, kind in ((first, "error_rate"), (second, "cpu_saturation")):
        (fault_id,) = incident["faults"]
        assert faults[fault_id]["type"] == kind
        assert incident["detection_delay_s"] == incident["detected_at"] - faults[fault_id]["started_at"] <= 20
        assert incident["first_root_causes"][0]["kind"] == incident["root_causes"][0]["kind"] == kind
        assert incident["revisions"] >= 3
