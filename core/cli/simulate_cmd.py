"""``simulate``: the demo shop, detection and the agents on a virtual clock, as fast as the CPU allows."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.agents.base import AnalysisContext
from core.clock import VirtualClock
from core.config import Settings
from core.export import root_causes
from core.models import Incident
from core.runtime import Runtime, seeded_ids

#: Virtual start of every simulation: 2026-01-01T12:00:00Z (midday traffic).
SIMULATION_START = 1_767_268_800.0
MAX_FAULT_SECONDS = 3600


@dataclass(frozen=True)
class FaultSpec:
    """``TYPE[:TARGET[:INTENSITY]]`` from the command line."""

    type: str
    target: str | None = None
    intensity: float = 1.0

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        parts = text.split(":")
        if len(parts) > 3 or not parts[0]:
            raise argparse.ArgumentTypeError(f"expected TYPE[:TARGET[:INTENSITY]], got {text!r}")
        try:
            intensity = float(parts[2]) if len(parts) == 3 else 1.0
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"intensity must be a number in (0, 1], got {parts[2]!r}") from exc
        return cls(parts[0], parts[1] or None if len(parts) > 1 else None, intensity)


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "simulate",
        help="run the demo shop with faults on a virtual clock and print the incidents found",
        description=(
            "Simulates the demo shop on a virtual clock: a warm-up without faults, then the faults, "
            "detection every DETECTION_INTERVAL_SECONDS and the five agents on every incident. "
            "Uses a temporary database unless --db is given."
        ),
    )
    faults = p.add_mutually_exclusive_group(required=True)
    faults.add_argument(
        "--fault",
        action="append",
        type=FaultSpec.parse,
        metavar="TYPE[:TARGET[:INTENSITY]]",
        help="fault to inject when the warm-up ends (repeatable)",
    )
    faults.add_argument("--no-fault", action="store_true", help="simulate without any fault")
    p.add_argument("--duration", type=float, default=600.0, help="seconds simulated after the warm-up (600)")
    p.add_argument("--warmup", type=float, default=300.0, help="fault-free seconds first (300)")
    p.add_argument("--fault-duration", type=float, default=None, help="seconds each fault lasts (default: to the end)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the demo shop (1)")
    p.add_argument("--db", type=Path, default=None, help="DuckDB file to keep the results in")
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="simulate-") as tmp:
        db = args.db or Path(tmp) / "simulate.duckdb"
        result = simulate(
            [] if args.no_fault else args.fault,
            duration=args.duration,
            warmup=args.warmup,
            fault_duration=args.fault_duration,
            seed=args.seed,
            db=db,
            settings=settings,
        )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_summary(result))
    return 0


def simulate(
    faults: list[FaultSpec],
    *,
    duration: float,
    warmup: float,
    seed: int,
    db: Path,
    fault_duration: float | None = None,
    settings: Settings,
    observe: Callable[[AnalysisContext], None] | None = None,
) -> dict[str, Any]:
    """Run one simulation and return ``{"faults": [...], "incidents": [...]}`` as ``--json`` prints it;
    ``observe`` sees the context of every analysis (to record regression scenarios)."""
    settings = settings.model_copy(update={"incident_db_path": db, "demo_seed": seed, "demo_service_url": None})
    clock = VirtualClock(SIMULATION_START)
    runtime = Runtime.start(
        settings, clock=clock, run_scheduler=False, synchronous_analysis=True, new_id=seeded_ids(seed)
    )
    if observe is not None:
        runtime.analysis.observers.append(observe)
    try:
        injected: list[dict[str, Any]] = []
        interval = settings.detection_interval_seconds
        end = SIMULATION_START + warmup + duration
        runtime.monitor.tick()
        while clock.now() < end:
            if faults and not injected and clock.now() >= SIMULATION_START + warmup:
                remaining = end - clock.now()
                length = min(fault_duration or remaining, MAX_FAULT_SECONDS)
                for spec in faults:
                    fault = runtime.inject_fault(spec.type, spec.target, spec.intensity, max(1.0, length))
                    injected.append(fault.model_dump(mode="json"))
            clock.advance(interval)
            runtime.monitor.tick()
        fault_start = min((f["started_at"] for f in injected), default=None)
        incidents = sorted(runtime.store.list_incidents(limit=10_000), key=lambda i: i.detected_at)
        return {
            "seed": seed,
            "faults": injected,
            "incidents": [_incident_json(incident, fault_start) for incident in incidents],
        }
    finally:
        runtime.close()


def _incident_json(incident: Incident, fault_start: float | None) -> dict[str, Any]:
    return {
        "id": incident.id,
        "severity": incident.severity,
        "status": incident.status,
        "title": incident.title,
        "services": incident.services,
        "detected_at": incident.detected_at,
        "detection_delay_s": None if fault_start is None else round(incident.detected_at - fault_start, 3),
        "analysis_status": incident.analysis_status,
        "root_causes": root_causes(incident),
        "rca_markdown": incident.rca_markdown,
    }


def _summary(result: dict[str, Any]) -> str:
    injected = ", ".join(f"{fault['type']}@{fault['target']}" for fault in result["faults"])
    lines = [f"faults: {injected or 'none'}"]
    lines.append(f"incidents: {len(result['incidents'])}")
    for incident in result["incidents"]:
        top = incident["root_causes"][0] if incident["root_causes"] else None
        cause = f"{top['kind']} on {top['service']} ({top['confidence']:.0%})" if top else "no cause found"
        delay = incident["detection_delay_s"]
        lines.append(
            f"  [{incident['severity']}] {incident['title']}"
            + (f" — detected after {delay:.0f} s" if delay is not None else "")
            + f" — root cause: {cause}"
        )
    return "\n".join(lines)
