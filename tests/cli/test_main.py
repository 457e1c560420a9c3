"""``python -m core.cli``: settings are built once, and an invalid one is a one-line error with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_invalid_setting_prints_one_line_and_exits_2() -> None:
    env = os.environ | {"DETECTION_INTERVAL_SECONDS": "abc"}
    completed = subprocess.run(
        [sys.executable, "-m", "core.cli", "faults"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "error: DETECTION_INTERVAL_SECONDS: Input should be a valid number, unable to parse string as a number "
        "(got 'abc')"
    ]
