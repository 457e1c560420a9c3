"""`python -m benchmarks.nab --data DIR --out OUT`: run the detector on a NAB corpus and print NAB scores."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.nab.runner import format_report, run


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print the report; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nab", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder with data/ and labels/combined_windows.json")
    parser.add_argument("--out", type=Path, required=True, help="folder for <category>/<file>.csv outputs")
    args = parser.parse_args(argv)
    _, report = run(args.data, args.out)
    print(format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
