"""Scenario folders: the recorded evidence of one analysis and the answer it should give.

A folder holds ``scenario.json`` (what was injected, the expected cause, the incident, the window, the spans
left out of the baseline, the topology and the fault catalogue), ``metrics.csv.gz`` (``ts,service,metric,value``)
and ``logs.jsonl.gz``.
``benchmarks.rca.record`` writes them from a simulation; ``tests/scenarios`` replays them through the
agents, so a change to the analysis is checked against the hard cases without simulating again.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.agents.base import AnalysisContext
from core.config import Settings
from core.models import FaultKind, Incident, LogEvent, Topology

SCENARIO_FILE = "scenario.json"
METRICS_FILE = "metrics.csv.gz"
LOGS_FILE = "logs.jsonl.gz"


@dataclass(frozen=True)
class Scenario:
    """One recorded analysis: its context and what it should conclude (``expected`` None: no cause)."""

    name: str
    description: str
    faults: list[dict[str, Any]]
    expected: list[tuple[str, str]]  # (service, kind) that must lead the hypotheses, in any order
    context: AnalysisContext


def save(
    folder: Path, ctx: AnalysisContext, *, description: str, faults: list[dict], expected: list[tuple[str, str]]
) -> None:
    """Write ``ctx`` and the expectation to ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "description": description,
        "faults": faults,
        "expected": [{"service": s, "kind": k} for s, k in expected],
        "incident": ctx.incident.model_dump(mode="json"),
        "baseline_start": ctx.baseline_start,
        "baseline_end": ctx.baseline_end,
        "window_start": ctx.window_start,
        "window_end": ctx.window_end,
        "excluded": [list(span) for span in ctx.excluded],
        "topology": ctx.topology.model_dump(mode="json"),
        "catalogue": [fault.model_dump(mode="json") for fault in ctx.catalogue],
    }
    (folder / SCENARIO_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    metrics = ctx.metrics.copy()
    metrics["value"] = metrics["value"].astype(float).map(lambda v: float(f"{v:.6g}"))
    with gzip.open(folder / METRICS_FILE, "wt", compresslevel=9) as handle:
        metrics[["ts", "service", "metric", "value"]].to_csv(handle, index=False)
    with gzip.open(folder / LOGS_FILE, "wt", compresslevel=9) as handle:
        for e in ctx.logs:
            record = {"ts": e.ts, "service": e.service, "level": e.level, "message": e.message, "attrs": dict(e.attrs)}
            handle.write(json.dumps(record) + "\n")


def load(folder: Path, settings: Settings) -> Scenario:
    """Read a scenario folder back into the context the agents get."""
    meta = json.loads((folder / SCENARIO_FILE).read_text())
    metrics = pd.read_csv(folder / METRICS_FILE, dtype={"service": str, "metric": str})
    with gzip.open(folder / LOGS_FILE, "rt") as handle:
        logs = [LogEvent(**json.loads(line)) for line in handle if line.strip()]
    ctx = AnalysisContext(
        incident=Incident.model_validate(meta["incident"]),
        metrics=metrics,
        logs=logs,
        baseline_start=meta["baseline_start"],
        baseline_end=meta["baseline_end"],
        window_start=meta["window_start"],
        window_end=meta["window_end"],
        excluded=tuple((float(a), float(b)) for a, b in meta.get("excluded", [])),
        topology=Topology.model_validate(meta["topology"]),
        catalogue=[FaultKind.model_validate(f) for f in meta["catalogue"]],
        settings=settings,
    )
    expected = [(e["service"], e["kind"]) for e in meta["expected"]]
    return Scenario(folder.name, meta["description"], meta["faults"], expected, ctx)
