"""Speed of ``simulate``: wall and CPU time of the command, its real-time factor, and where the time goes.

    python -m benchmarks.simulation [--runs 5] [--duration 3600] [--seed 2] [--fault SPEC ...] [--profile]

Runs ``python -m core.cli simulate --json`` (``--no-fault`` unless ``--fault`` is given) in a fresh process
``--runs`` times, so that start-up counts as a user sees it, and prints the median, min and max of its wall
time and CPU time (user + system), the real-time factor (simulated seconds, warm-up included, per second of
wall time) and whether every run printed the same output. The machine's load average is printed too: wall
time on a loaded machine is long, CPU time much less so. ``--profile`` adds one in-process run under
cProfile and prints the cumulative time of each phase on the main thread (the shop simulates its requests
when it is scraped, so the scrape includes it; cProfile slows Python-heavy phases more than DuckDB's or the
C parts, so read the shares as a ranking, not as exact figures).
Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARMUP_SECONDS = 300.0


@dataclass(frozen=True)
class Run:
    """One timed run of the command: seconds of wall and CPU time, and a digest of what it printed."""

    wall: float
    cpu: float
    digest: str


def command(duration: float, seed: int, faults: list[str]) -> list[str]:
    """The ``simulate`` command line of one run."""
    kinds = [arg for spec in faults for arg in ("--fault", spec)] or ["--no-fault"]
    return [
        sys.executable,
        "-m",
        "core.cli",
        "simulate",
        *kinds,
        "--duration",
        f"{duration:g}",
        "--seed",
        str(seed),
        "--json",
    ]


def time_run(argv: list[str]) -> Run:
    """Run ``argv`` once from the repository root; wall time, the child's user + system CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:])} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, hashlib.sha256(done.stdout).hexdigest()[:16])


def spread(values: list[float]) -> str:
    """``median (min–max)`` in seconds."""
    return f"{statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f})"


def phases() -> dict[str, list[Callable]]:
    """The functions whose cumulative time makes each phase of a simulation (main thread)."""
    from core.detection.anomaly_rule import AnomalyRule
    from core.detection.log_rules import LogPatternRule
    from core.detection.rules import LogLineRules, MetricThresholdRules
    from core.orchestration.analysis import AnalysisService
    from core.sources.demo import DemoLogSource, DemoMetricsSource
    from core.sources.prometheus_text import parse_snapshot
    from core.sources.rates import signals_between
    from core.store.store import Store
    from core.store.telemetry import TelemetryTables
    from demo_service.simulation import Simulation
    from demo_service.telemetry import Telemetry

    return {
        "scrape (all of the next four)": [DemoMetricsSource.fetch],
        "  demo shop: simulated requests": [Simulation.advance],
        "  demo shop: /metrics rendering": [Telemetry.render],
        "  parse": [parse_snapshot],
        "  rates": [signals_between],
        "logs: fetch and parse": [DemoLogSource.fetch],
        "store: telemetry writes": [
            TelemetryTables.insert_metrics,
            TelemetryTables.insert_logs,
            TelemetryTables.save_templates,
        ],
        "store: open incidents": [Store.open_incidents],
        "detection rules": [
            MetricThresholdRules.evaluate,
            LogLineRules.evaluate,
            AnomalyRule.evaluate,
            LogPatternRule.evaluate,
        ],
        "analysis (agents)": [AnalysisService.analyze],
    }


def profile(duration: float, seed: int, faults: list[str]) -> None:
    """One in-process simulation under cProfile; prints each phase's cumulative seconds and share."""
    from core.config import load_settings
    from core.simulation import FaultSpec, simulate
    from demo_service import DemoService

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        started = time.perf_counter()
        profiler.enable()
        simulate(
            [FaultSpec.parse(spec) for spec in faults],
            demo=DemoService,
            duration=duration,
            warmup=WARMUP_SECONDS,
            seed=seed,
            db=Path(tmp) / "profile.duckdb",
            settings=load_settings(),
        )
        profiler.disable()
        total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    print(f"\nprofile of one in-process run (cProfile, main thread): {total:.2f} s")
    for name, functions in phases().items():
        seconds = sum(_cumulative(stats, function) for function in functions)
        print(f"  {name:<34}{seconds:8.2f} s  {100 * seconds / total:5.1f}%")


def _cumulative(stats: dict, function: Callable) -> float:
    code = function.__code__
    entry = stats.get((code.co_filename, code.co_firstlineno, code.co_name))
    return entry[3] if entry else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of the command (5)")
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds simulated after the warm-up (3600)")
    parser.add_argument("--seed", type=int, default=2, help="seed of every run (2)")
    parser.add_argument("--fault", action="append", default=[], help="TYPE[:TARGET[:INTENSITY]] (default: none)")
    parser.add_argument("--profile", action="store_true", help="add one in-process run under cProfile")
    args = parser.parse_args(argv)
    argv_run = command(args.duration, args.seed, args.fault)
    print("command:", " ".join(["python", *argv_run[1:]]))
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    runs = [time_run(argv_run) for _ in range(args.runs)]
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
    simulated = WARMUP_SECONDS + args.duration
    print(f"runs: {len(runs)}, simulated {simulated:g} s each (warm-up {WARMUP_SECONDS:g} s included)")
    print(f"wall time: {spread(walls)}")
    print(f"CPU time:  {spread(cpus)}  (user + system)")
    print(f"real-time factor: {simulated / statistics.median(walls):.0f}x (simulated seconds per wall second, median)")
    digests = sorted({r.digest for r in runs})
    print(f"output: {'identical in every run' if len(digests) == 1 else 'DIFFERS between runs'} ({', '.join(digests)})")
    if args.profile:
        profile(args.duration, args.seed, args.fault)
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
