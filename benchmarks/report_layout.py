"""Where the seed faults' Markdown reports put what a reader needs first.

    python -m benchmarks.report_layout [--seed 1] [--duration 120]

Simulates each seed fault once and prints, for each incident's report, the line (from 1) of its Executive
Summary, Root Cause and Immediate Actions headings and of the first action, and its length in lines. The
report should put the three within its first ``LEAD_LINES`` lines; the figures are printed, the test
``tests/report/test_report_layout.py`` checks them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from core.config import load_settings
from core.report.markdown import LEAD
from core.simulation import FaultSpec, simulate
from demo_service import DemoService

SEED_FAULTS = ("error_rate", "latency_spike", "db_slow", "memory_leak", "dependency_down")
LEAD_LINES = 40


def heading_lines(markdown: str) -> dict[str, int]:
    """The line (from 1) of each ``## `` heading, and of the first line after Immediate Actions' blank line."""
    lines = markdown.splitlines()
    found = {line[3:]: n for n, line in enumerate(lines, start=1) if line.startswith("## ")}
    if "Immediate Actions" in found:
        found["first action"] = found["Immediate Actions"] + 2
    found["total"] = len(lines)
    return found


def reports(fault: str, seed: int, duration: float) -> list[str]:
    """The Markdown report of every incident a simulation of ``fault`` opened."""
    with tempfile.TemporaryDirectory() as tmp:
        result = simulate(
            [FaultSpec(fault)],
            demo=DemoService,
            settings=load_settings(),
            duration=duration,
            warmup=300,
            seed=seed,
            db=Path(tmp) / "layout.duckdb",
        )
    return [i.rca_markdown or "" for i in result.incidents]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=120)
    args = parser.parse_args()
    columns = [*LEAD, "first action", "total"]
    print(f"{'fault':<17}" + "".join(f"{c:>19}" for c in columns) + f"   within {LEAD_LINES} lines")
    for fault in SEED_FAULTS:
        started = time.perf_counter()
        for markdown in reports(fault, args.seed, args.duration):
            found = heading_lines(markdown)
            ok = all(found.get(c, LEAD_LINES + 1) <= LEAD_LINES for c in (*LEAD, "first action"))
            cells = "".join(f"{found.get(c, '-'):>19}" for c in columns)
            print(f"{fault:<17}{cells}   {'yes' if ok else 'NO'} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
