"""`python -m benchmarks.nab --data DIR --out OUT`: run the detector on a NAB corpus and print NAB scores."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.nab.heldout import format_sweep, sweep
from benchmarks.nab.runner import format_report, load, run
from benchmarks.nab.synthetic import check, format_check


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nab", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder with data/ and labels/combined_windows.json")
    parser.add_argument("--out", type=Path, required=True, help="folder for <category>/<file>.csv outputs")
    parser.add_argument(
        "--no-heldout",
        action="store_true",
        help="skip the leave-one-category-out sweep (a run of the corpus per candidate: 1 + 2 per fitted setting)",
    )
    args = parser.parse_args(argv)
    _, report = run(args.data, args.out)
    print(format_report(report), flush=True)
    if not args.no_heldout:
        print("\nleave-one-category-out (each category scored with the candidate chosen on the others):", flush=True)
        print(format_sweep(sweep(load(args.data))), flush=True)
        print()
        print(format_check(check()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
