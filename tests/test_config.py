"""Settings: every variable is documented in the README, and the detection settings reach the rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.anomaly import DEFAULT_ALERT_THRESHOLD
from core.clock import VirtualClock
from core.config import Settings
from core.detection.anomaly_rule import ANOMALY_SUSTAIN_SECONDS
from core.detection.log_rules import MIN_LINES, SURGE_MIN
from core.runtime import Runtime

README = Path(__file__).resolve().parents[1] / "README.md"


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
    assert defaults.log_pattern_surge_factor == SURGE_MIN
    assert defaults.anomaly_sustain_seconds == ANOMALY_SUSTAIN_SECONDS
    assert defaults.anomaly_alert_threshold == DEFAULT_ALERT_THRESHOLD


def test_detection_settings_reach_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_PATTERN_MIN_LINES", "7")
    monkeypatch.setenv("LOG_PATTERN_SURGE_FACTOR", "3.5")
    monkeypatch.setenv("ANOMALY_SUSTAIN_SECONDS", "60")
    settings = Settings(_env_file=None, incident_db_path=tmp_path / "config.duckdb")
    runtime = Runtime.start(settings, clock=VirtualClock(), run_scheduler=False)
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
