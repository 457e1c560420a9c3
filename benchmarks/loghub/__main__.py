"""`python -m benchmarks.loghub --data DIR --out OUT`: mine Loghub-2k logs, write structured CSVs, print
GA, FGA and PA per system where ground truth is present, lines per second, and GA leave-one-system-out
for the one fitted setting."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.loghub.heldout import format_sweep, sweep
from benchmarks.loghub.runner import format_report, load, run


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loghub", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder with <System>/<System>_2k.log, formats.json")
    parser.add_argument("--out", type=Path, required=True, help="folder for <System>_structured.csv outputs")
    parser.add_argument("--repeat", type=int, default=3, help="time the fastest of this many runs per system (3)")
    args = parser.parse_args(argv)
    try:
        results = run(args.data, args.out, args.repeat)
        if not results:
            parser.exit(2, f"error: no <System>/<System>_2k.log with a log_format in {args.data}\n")
        print(format_report(results))
        print("\nleave-one-system-out (each system mined with the setting chosen on the others):", flush=True)
        print(format_sweep(sweep(load(args.data))))
    except (OSError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
