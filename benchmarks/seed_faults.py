"""The seed's five faults over several seeds, plus fault-free hours: detection delay and top root cause.

    python -m benchmarks.seed_faults [--seeds 1-5] [--duration 600] [--quiet-duration 3600] [--jobs 2]

Prints one row per run and a summary; exits 1 when a run misses the issue's targets (exactly one
incident, delay ≤ 15 s, ≤ 60 s for memory_leak, right kind first; no incident without a fault).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from core.config import load_settings
from core.simulation import FaultSpec, simulate
from demo_service import DemoService

SEED_FAULTS = ("error_rate", "latency_spike", "db_slow", "memory_leak", "dependency_down")
MAX_DELAY = {"memory_leak": 60.0}
DEFAULT_MAX_DELAY = 15.0


def run_one(fault: str | None, seed: int, duration: float) -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        faults = [FaultSpec(fault)] if fault else []
        db = Path(tmp) / "b.duckdb"
        result = simulate(
            faults, demo=DemoService, settings=load_settings(), duration=duration, warmup=300, seed=seed, db=db
        )
    incidents = result.incidents
    first = incidents[0] if incidents else None
    top = first.root_causes[0] if first and first.root_causes else None
    return {
        "fault": fault or "none",
        "seed": seed,
        "duration": duration,
        "incidents": len(incidents),
        "delay": first.detection_delay_s if first else None,
        "kind": top.kind if top else None,
        "service": top.service if top else None,
        "confidence": top.confidence if top else None,
        "seconds": time.perf_counter() - started,
    }


def passed(row: dict) -> bool:
    if row["fault"] == "none":
        return row["incidents"] == 0
    limit = MAX_DELAY.get(row["fault"], DEFAULT_MAX_DELAY)
    return row["incidents"] == 1 and row["delay"] is not None and row["delay"] <= limit and row["kind"] == row["fault"]


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--quiet-duration", type=float, default=3600.0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    seeds = seeds_of(args.seeds)
    plan = [(fault, seed, args.duration) for fault in SEED_FAULTS for seed in seeds]
    plan += [(None, seed, args.quiet_duration) for seed in seeds]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(run_one, *zip(*plan, strict=True)))
    print(f"{'fault':<16}{'seed':>5}{'incidents':>10}{'delay_s':>9}  {'top cause':<34}{'conf':>6}{'wall_s':>8}  ok")
    for row in rows:
        cause = f"{row['kind']}@{row['service']}" if row["kind"] else "-"
        delay = f"{row['delay']:.0f}" if row["delay"] is not None else "-"
        conf = f"{row['confidence']:.2f}" if row["confidence"] is not None else "-"
        print(
            f"{row['fault']:<16}{row['seed']:>5}{row['incidents']:>10}{delay:>9}  {cause:<34}{conf:>6}"
            f"{row['seconds']:>8.1f}  {'yes' if passed(row) else 'NO'}"
        )
    simulated = sum(row["duration"] + 300 for row in rows) / 60
    wall = sum(row["seconds"] for row in rows)
    ok = sum(passed(row) for row in rows)
    print(f"\n{ok}/{len(rows)} runs met the targets; {wall / simulated:.3f} s of wall time per simulated minute")
    return 0 if ok == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
