"""Settings: every variable is documented in the README, and the detection settings reach the rules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.anomaly import DEFAULT_ALERT_THRESHOLD
from core.clock import VirtualClock
from core.config import Settings, describe, load_settings
from core.detection.anomaly_rule import ANOMALY_SUSTAIN_SECONDS
from core.detection.log_rules import MIN_LINES
from core.errors import ConfigError
from core.log_patterns import FIRING
from core.runtime import Runtime
from demo_service import DemoService

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _configuration_table() -> set[str]:
    """The variable names in the first column of the README's Configuration table."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def test_every_setting_has_a_row_in_the_readme() -> None:
    documented = _configuration_table()
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert not missing, f"settings missing from the README's Configuration table: {missing}"


def test_rule_defaults_are_the_settings_defaults() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.log_pattern_min_lines == MIN_LINES
    assert defaults.log_pattern_surge_factor == FIRING.factor
    assert defaults.anomaly_sustain_seconds == ANOMALY_SUSTAIN_SECONDS
    assert defaults.anomaly_alert_threshold == DEFAULT_ALERT_THRESHOLD


def test_detection_settings_reach_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_PATTERN_MIN_LINES", "7")
    monkeypatch.setenv("LOG_PATTERN_SURGE_FACTOR", "3.5")
    monkeypatch.setenv("ANOMALY_SUSTAIN_SECONDS", "60")
    settings = Settings(_env_file=None, incident_db_path=tmp_path / "config.duckdb")
    runtime = Runtime.start(settings, demo=DemoService, clock=VirtualClock(), run_scheduler=False)
    try:
        rule = runtime.monitor.log_rule
        assert (rule.min_lines, rule.surge_factor) == (7, 3.5)
        assert runtime.monitor.anomaly.sustain_polls == 12  # 60 s at one point per 5 s poll
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LOG_PATTERN_MIN_LINES", "0"), ("LOG_PATTERN_SURGE_FACTOR", "1"), ("ANOMALY_SUSTAIN_SECONDS", "-5")],
)
def test_out_of_range_detection_settings_are_refused(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable.lower()):
        Settings(_env_file=None)


def test_an_invalid_setting_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTION_INTERVAL_SECONDS", "abc")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == (
        "DETECTION_INTERVAL_SECONDS: Input should be a valid number, unable to parse string as a number (got 'abc')"
    )


def test_every_invalid_setting_is_named_on_the_same_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_MODE", "file\nsystem")
    monkeypatch.setenv("LOKI_LIMIT", "9999")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert "DATA_MODE: Input should be 'simulated' or 'prometheus_loki' (got 'file\\nsystem')" in message
    assert "; LOKI_LIMIT: Input should be less than or equal to 5000 (got '9999')" in message


def test_a_refused_secret_or_url_is_never_quoted() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, openai_api_key=12345678, prometheus_url=8675309, loki_limit="lots")
    message = describe(caught.value)
    assert "OPENAI_API_KEY: Input should be a valid string" in message
    assert "PROMETHEUS_URL: Input should be a valid string" in message
    assert "12345678" not in message and "8675309" not in message
    assert "(got 'lots')" in message


def test_config_imports_nothing_from_the_project_but_its_errors() -> None:
    tree = ast.parse((ROOT / "core" / "config.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    project = {name for name in imported if name.split(".")[0] in ("core", "app", "demo_service", "benchmarks")}
    assert project == {"core.errors"}
