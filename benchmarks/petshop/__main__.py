"""``python -m benchmarks.petshop --data ../shared/eval/petshop``: root-cause accuracy on PetShop's 68 issues.

Every issue goes through ``python -m core.cli analyze`` (the graph given, the onset at the third row, the
normal-operation file as the baseline), once with the alerted symptom of ``target.json`` (as the publishers'
baseline is given it) and once without; prints AC@1, AC@3 and Avg@5 per scenario and overall next to the
published baseline, and the leave-one-scenario-out figures of the settings chosen while looking at them
(``benchmarks.petshop.loso``; about 10 more passes over the data).

    python -m benchmarks.petshop --data ../shared/eval/petshop [--scenarios low_traffic,high_traffic] [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.petshop.dataset import SCENARIOS, issues
from benchmarks.petshop.loso import leave_one_scenario_out
from benchmarks.petshop.report import format_report
from benchmarks.petshop.runner import print_progress, run_all
from core.config import load_settings


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every issue both ways, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.petshop", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the dataset folder (with low_traffic/ ...)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenarios (all)")
    parser.add_argument("--misses", action="store_true", help="also list the issues whose cause is not first")
    parser.add_argument(
        "--ways", choices=("both", "with", "without"), default="both", help="with the symptom, without, or both"
    )
    parser.add_argument(
        "--no-loso", action="store_true", help="skip the leave-one-scenario-out runs (one run per alternative)"
    )
    args = parser.parse_args(argv)
    chosen = tuple(s for s in args.scenarios.split(",") if s)
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose among {', '.join(SCENARIOS)}")
    try:
        found = issues(args.data, chosen)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(found)} issues in {len(chosen)} scenario(s); each analysed with and without its symptom",
          file=sys.stderr)  # fmt: skip
    ways = {"both": (True, False), "with": (True,), "without": (False,)}[args.ways]
    settings = load_settings()
    outcomes = run_all(found, settings, print_progress, ways)
    folds = []
    if not args.no_loso and len(chosen) > 1:
        print("leave-one-scenario-out: one run per alternative of each fitted setting", file=sys.stderr)
        folds = leave_one_scenario_out(found, outcomes, lambda subset: run_all(subset, settings, print_progress, ways))
    print(format_report(outcomes, folds=folds, misses=args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
