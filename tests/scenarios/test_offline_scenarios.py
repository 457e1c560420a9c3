"""Offline regression scenarios: the hard cases of real multi-service data, replayed through ``analyze``.

Each folder under ``offline/`` holds small files (``metrics.csv`` and, as the case needs, ``baseline.csv``,
``graph.csv``, ``logs.jsonl``) and ``case.json``: what happened, and for each run its ``analyze`` arguments
(file names relative to the folder), the cause that must come first, causes that must also be named, services
that must not be named, and a phrase the first cause's evidence must hold. The files are synthetic: they
reproduce a pattern (an idle node's availability rising, a level shift between a baseline recorded another day
and the incident, a caller's client-side view), not any dataset's values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli.analyze_cmd import analysis_for
from core.cli.main import build_parser
from core.config import Settings

FOLDERS = sorted(p.parent for p in (Path(__file__).parent / "offline").glob("*/case.json"))
RUNS = [
    (folder, index)
    for folder in FOLDERS
    for index, _ in enumerate(json.loads((folder / "case.json").read_text())["runs"])
]
FILE_OPTIONS = ("--baseline", "--graph", "--logs")


def test_there_are_offline_scenarios() -> None:
    assert len(FOLDERS) >= 8


def _argv(folder: Path, args: list[str]) -> list[str]:
    """The ``analyze`` command line of one run, file options resolved in ``folder``."""
    resolved = [str(folder / arg) if i and args[i - 1] in FILE_OPTIONS else arg for i, arg in enumerate(args)]
    return ["analyze", "--metrics", str(folder / "metrics.csv"), *resolved, "--json"]


@pytest.mark.parametrize(("folder", "index"), RUNS, ids=[f"{f.name}-{i}" for f, i in RUNS])
def test_offline_scenario(folder: Path, index: int) -> None:
    case = json.loads((folder / "case.json").read_text())
    run = case["runs"][index]
    result, _ = analysis_for(build_parser().parse_args(_argv(folder, run["args"])), Settings())
    causes = result.root_causes
    named = [(c.service, c.kind) for c in causes]
    first = (run["first"]["service"], run["first"]["kind"])
    assert named and named[0] == first, f"{case['description']}\n  got {named[:4]}"
    for also in run.get("named", []):
        assert (also["service"], also["kind"]) in named, f"{also} not named: {named}"
    services = {service for service, _ in named}
    assert not services & set(run.get("not_named", [])), f"named {services & set(run['not_named'])}: {named}"
    if "evidence" in run:
        texts = [e.description for e in causes[0].evidence]
        assert any(run["evidence"] in text for text in texts), texts
    assert all(c.evidence for c in causes), "a hypothesis cites no evidence"
