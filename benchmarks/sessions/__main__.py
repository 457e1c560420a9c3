"""``python -m benchmarks.sessions``: demo-like sessions of 10-15 faults, scored fault by fault.

Each session (one per seed) injects faults of random kinds, targets and intensities (0.3-1.0) one after
another, 60-150 s apart (``plan``), through ``simulate`` with a fault schedule, as a presenter would press
them. It prints the share of faults whose incident's first and final analysis names them at (service, kind)
level (over every fault, and over the faults an incident explains), the share merged into another fault's
incident or split over two incidents, the missed ones (no incident), the detection delay p50/p95 (from the
fault's start to its incident) and how often it was within the delay the Fault injection page promised, per
kind, per seed and in all. Exit code 1 when a target of issue 14 is missed.

    python -m benchmarks.sessions [--seeds 1-6] [--jobs 2] [--rows out.jsonl]
    python -m benchmarks.sessions --score out.jsonl      # score earlier rows again without simulating
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.rows import add_row_options, in_workers, read_rows, row_log
from benchmarks.seed_faults import seeds_of
from benchmarks.sessions import plan, scoring
from benchmarks.sessions.report import report
from core.config import Settings, load_settings
from core.detection.promise import expected_detection
from core.models import REQUEST_RATE, InjectedFault
from core.store import Store


def run_one(session: plan.Session) -> dict:
    """Simulate one session and keep what scoring needs, with the detection delay the Fault injection page
    would have promised for each fault (from its target's traffic over the minute before it)."""
    started = time.perf_counter()
    settings = load_settings()  # in each worker process: the environment the benchmark was started with
    with tempfile.TemporaryDirectory(prefix="sessions-bench-") as tmp:
        db = Path(tmp) / "s.duckdb"
        result = session.run(settings, db)
        promised = _promises(db, result.faults, settings)
    causes = ("service", "kind", "confidence")
    return {
        "seed": session.seed,
        "faults": [
            f.model_dump(mode="json", include={"id", "type", "target", "intensity", "started_at", "start_s"})
            | {"promised_s": promised[f.id]}
            for f in result.faults
        ],
        "incidents": [
            {
                "title": i.title,
                "faults": i.faults,
                "detected_at": i.detected_at,
                "detection_delay_s": i.detection_delay_s,
                "revisions": i.revisions,
                "root_causes": [c.model_dump(include=set(causes)) for c in i.root_causes[:3]],
                "first_root_causes": [c.model_dump(include=set(causes)) for c in i.first_root_causes[:3]],
            }
            for i in result.incidents
        ],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def _promises(db: Path, faults: Sequence[InjectedFault], settings: Settings) -> dict[str, float | None]:
    """The 'at most' delay the Fault injection page promises for each fault (``core.detection.promise``)."""
    store = Store(db)
    try:
        found = {}
        for fault in faults:
            rates = store.metrics_frame(
                fault.started_at - 60.0, fault.started_at, services=[fault.target], metrics=[REQUEST_RATE]
            )
            rate = None if rates.empty else float(rates["value"].mean())
            found[fault.id] = expected_detection(fault.type, rate, settings).at_most
        return found
    finally:
        store.close()


def run_all(sessions: Sequence[plan.Session], jobs: int, out: Path | None) -> list[dict]:
    """Every session, ``jobs`` at a time; one line per finished session on stderr, rows appended to ``out``."""
    save = row_log(out)

    def on_row(row: dict, done: int) -> None:
        found = scoring.headline(scoring.score_faults(row))
        print(
            f"[{done}/{len(sessions)}] seed {row['seed']}: {len(row['faults'])} faults, "
            f"{len(row['incidents'])} incidents, final top-1 {found['final_top1']:.0%} "
            f"({row['wall_seconds']:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        save(row)

    return sorted(in_workers(run_one, sessions, jobs, on_row), key=lambda r: r["seed"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sessions", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_row_options(parser, seeds="1-6")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.score is not None:
        rows = sorted(read_rows(args.score), key=lambda r: r["seed"])
    else:
        sessions = plan.planned(seeds_of(args.seeds), plan.session, args.jobs)
        rows = run_all(sessions, args.jobs, args.rows)
    lines, ok = report(rows)
    print("\n".join(lines))
    print(f"\n{len(rows)} sessions scored in {time.perf_counter() - started:.0f} s of wall time")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
