"""``simulate``: the demo shop, detection and the agents on a virtual clock (``core.simulation``), printed."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from core.config import Settings
from core.errors import ConfigError
from core.fault_schedule import FaultSpec, load_schedule
from core.simulation import SimulationResult, simulate
from demo_service import DemoService  # the composition root: the embedded demo shop


def fault_spec(text: str) -> FaultSpec:
    """``FaultSpec.parse`` as an argparse type: a bad spec is a usage error naming the expected form."""
    try:
        return FaultSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


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
        type=fault_spec,
        metavar="TYPE[:TARGET[:INTENSITY]]",
        help="fault to inject when the warm-up ends (repeatable)",
    )
    faults.add_argument("--no-fault", action="store_true", help="simulate without any fault")
    faults.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="JSON object or TOML document with a 'faults' list of {type, target, intensity, start_s, duration_s} "
        "(start_s counted from the end of the warm-up): a session of faults",
    )
    p.add_argument("--duration", type=float, default=600.0, help="seconds simulated after the warm-up (600)")
    p.add_argument("--warmup", type=float, default=300.0, help="fault-free seconds first (300)")
    p.add_argument("--fault-duration", type=float, default=None, help="seconds each fault lasts (default: to the end)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the demo shop (1)")
    p.add_argument("--db", type=Path, default=None, help="DuckDB file to keep the results in")
    p.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    p.add_argument(
        "--http",
        action="store_true",
        help="scrape the demo shop over a local port as the app does, not in process (slower, same output)",
    )
    p.add_argument(
        "--notify",
        action="store_true",
        help="send notifications of the simulated incidents to the configured channels (default: none are sent)",
    )
    p.set_defaults(handler=run)


def faults_of(args: argparse.Namespace) -> list[FaultSpec]:
    """The faults asked for; ``ConfigError`` (exit 2) naming the scenario file and what is wrong with it."""
    if args.scenario is None:
        return [] if args.no_fault else list(args.fault)
    try:
        return load_schedule(args.scenario)
    except OSError as exc:
        raise ConfigError(f"--scenario {args.scenario}: cannot read it ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ConfigError(f"--scenario {exc}") from exc


def run(args: argparse.Namespace, settings: Settings) -> int:
    faults = faults_of(args)
    with tempfile.TemporaryDirectory(prefix="simulate-") as tmp:
        db = args.db or Path(tmp) / "simulate.duckdb"
        result = simulate(
            faults,
            demo=DemoService,
            duration=args.duration,
            warmup=args.warmup,
            fault_duration=args.fault_duration,
            seed=args.seed,
            db=db,
            settings=settings,
            http=args.http,
            notify=args.notify,
        )
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    else:
        print(_summary(result))
    return 0


def _summary(result: SimulationResult) -> str:
    injected = ", ".join(f"{fault.type}@{fault.target} (+{fault.start_s:.0f} s)" for fault in result.faults)
    lines = [f"faults: {injected or 'none'}"]
    lines.append(f"incidents: {len(result.incidents)}")
    for incident in result.incidents:
        top = incident.root_causes[0] if incident.root_causes else None
        cause = f"{top.kind} on {top.service} ({top.confidence:.0%})" if top else "no cause found"
        delay = incident.detection_delay_s
        lines.append(
            f"  [{incident.severity}] {incident.title}"
            + (f" — detected after {delay:.0f} s" if delay is not None else "")
            + f" — root cause: {cause}"
        )
    return "\n".join(lines)
