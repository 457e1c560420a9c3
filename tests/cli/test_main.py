"""``python -m core.cli``: settings are built once, and an invalid one is a one-line error with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = (
    "error: DETECTION_INTERVAL_SECONDS: Input should be a valid number, unable to parse string as a number (got 'abc')"
)


def test_an_invalid_setting_is_one_line_on_stderr_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DETECTION_INTERVAL_SECONDS", "abc")
    assert main(["faults"]) == 2
    out, err = capsys.readouterr()
    assert (out, err.splitlines()) == ("", [MESSAGE])


@pytest.mark.slow
def test_the_module_entry_point_prints_the_same_line_without_a_traceback() -> None:
    env = os.environ | {"DETECTION_INTERVAL_SECONDS": "abc"}
    completed = subprocess.run(
        [sys.executable, "-m", "core.cli", "faults"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert (completed.returncode, completed.stdout, completed.stderr.splitlines()) == (2, "", [MESSAGE])
