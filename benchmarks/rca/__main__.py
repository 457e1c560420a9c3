"""``python -m benchmarks.rca``: how often the analysis names the injected fault, and how well it knows.

Runs every fault kind of the demo catalogue on every valid target at intensities 0.3, 0.6 and 1.0 over
several seeds, random pairs of simultaneous faults on different services, and fault-free stretches
(24 simulated hours by default), then prints accuracy per kind, a calibration table with the expected
calibration error, false incidents per fault-free day and detection delays. Exit code 1 when a target
of issue 3 is missed.

    python -m benchmarks.rca [--seeds 1-3] [--pairs 30] [--quiet-hours 24] [--jobs 2] [--rows out.jsonl]
    python -m benchmarks.rca --score out.jsonl      # score earlier rows again without simulating
    python -m benchmarks.rca --seeds 101-103 --rows fit.jsonl; python -m benchmarks.rca --fit-calibration fit.jsonl
                                                    # refit core/agents/calibration.py on other seeds
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.rca import plan, scoring
from benchmarks.rca.report import summary
from benchmarks.rca.runner import progress, run_all
from benchmarks.rows import read_rows
from benchmarks.seed_faults import seeds_of
from core.agents import calibration
from demo_service.mechanics import catalogue


def build(args: argparse.Namespace) -> list[plan.Run]:
    """The runs the arguments ask for."""
    kinds = [k for k in args.kinds.split(",") if k]
    combos = plan.combos([(kind.type, kind.targets) for kind in catalogue()], kinds)
    seeds = seeds_of(args.seeds)
    intensities = [float(x) for x in args.intensities.split(",")]
    runs = plan.singles(combos, intensities, seeds, args.duration)
    # pairs and fault-free runs get their own seeds, derived from the first seed so that a calibration
    # fit on other --seeds never shares a run with the evaluation
    runs += plan.doubles(combos, args.pairs, 1000 * seeds[0], args.duration)
    if args.quiet_hours > 0:
        runs += plan.quiet(args.quiet_hours, args.quiet_chunks, 500 + 1000 * seeds[0])
    return runs


def fit_calibration(rows: list[dict]) -> str:
    """``MAIN`` and ``ADDITIONAL`` of ``core.agents.calibration`` fitted on ``rows``, as Python to paste."""
    lines = []
    for name, groups in zip(("MAIN", "ADDITIONAL"), scoring.score_groups(rows), strict=True):
        model = calibration.fit(groups)
        before, after = calibration.log_loss(calibration.GroupSoftmax(), groups), calibration.log_loss(model, groups)
        lines.append(
            f"{name} = GroupSoftmax(temperature={model.temperature}, null_score={model.null_score})"
            f"  # {len(groups)} groups; log loss {before:.3f} -> {after:.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.rca", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1-3", help="seeds of the single-fault runs (1-3)")
    parser.add_argument("--intensities", default="0.3,0.6,1.0")
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: the whole catalogue)")
    parser.add_argument("--duration", type=float, default=240.0, help="seconds simulated after the warm-up (240)")
    parser.add_argument("--pairs", type=int, default=30, help="random pairs of simultaneous faults (30)")
    parser.add_argument("--quiet-hours", type=float, default=24.0, help="fault-free simulated hours (24)")
    parser.add_argument("--quiet-chunks", type=int, default=8, help="fault-free runs the hours are split into (8)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--rows", type=Path, default=None, help="write one JSON row per run to this file")
    parser.add_argument("--score", type=Path, default=None, help="score rows of an earlier run, simulate nothing")
    parser.add_argument("--fit-calibration", type=Path, default=None, help="print the calibration fitted on these rows")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.fit_calibration is not None:
        print(fit_calibration(list(read_rows(args.fit_calibration))))
        return 0
    if args.score is not None:
        rows = list(read_rows(args.score))
    else:
        runs = build(args)
        print(f"{len(runs)} simulations on {args.jobs} worker(s)", file=sys.stderr, flush=True)
        rows = run_all(runs, args.jobs, progress(len(runs), args.rows))
    lines, ok = summary(rows)
    print("\n".join(lines))
    print(f"\n{len(rows)} runs scored in {time.perf_counter() - started:.0f} s of wall time")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
