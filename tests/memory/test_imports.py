"""Each memory module imports on its own, first in a fresh interpreter (the report view lists similar incidents and
the models carry a report view, so an import cycle would break whichever module a caller imports first)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
MODULES = sorted(f"core.memory.{p.stem}" for p in (ROOT / "core" / "memory").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", MODULES)
def test_imports_first(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
