"""``python -m benchmarks.recurrence``: does a repeated fault find its earlier occurrence, and does a first
occurrence find nothing?

Each session (one per seed, ``plan``) injects 6-9 distinct faults of random kinds and targets and repeats 3-5 of
them minutes later among the others, through ``simulate`` with a fault schedule (what ``simulate --scenario``
runs). Each incident lists the earlier incidents with the similarity of their fingerprints. Printed (see
``scoring``): for repeats, the share whose most similar earlier incident, at or above SIMILARITY_THRESHOLD,
explains the same (kind, target) fault; for first occurrences, the share with no earlier incident at or above
it; both on all sessions and leave-one-kind-out. Exit code 1 when either all-data share is under 90%.

    python -m benchmarks.recurrence [--seeds 1-20] [--jobs 2] [--rows out.jsonl]
    python -m benchmarks.recurrence --score out.jsonl      # score earlier rows again without simulating
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.recurrence import plan, scoring
from benchmarks.rows import add_row_options, in_workers, read_rows, row_log
from benchmarks.seed_faults import seeds_of
from benchmarks.sessions.plan import Session, planned
from core.config import load_settings

TARGET = 0.9


def run_one(session: Session) -> dict:
    """Simulate one session with threshold 0 (every earlier incident listed with its similarity)."""
    started = time.perf_counter()
    settings = load_settings().model_copy(update={"similarity_threshold": 0.0})
    with tempfile.TemporaryDirectory(prefix="recurrence-bench-") as tmp:
        result = session.run(settings, Path(tmp) / "r.duckdb")
    return {
        "seed": session.seed,
        "faults": [f.model_dump(mode="json", include={"id", "type", "target", "started_at"}) for f in result.faults],
        "incidents": [
            {
                "id": i.id,
                "faults": i.faults,
                "similar": [s.model_dump(mode="json") for s in i.similar_incidents],
            }
            for i in result.incidents
        ],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


Scored = tuple[scoring.Case, float]  # a case and the threshold it is judged at


def _share(cases: Sequence[Scored]) -> str:
    hits = sum(c.found(t) for c, t in cases)
    return f"{hits}/{len(cases)} = {hits / len(cases):.0%}" if cases else "0/0"


def _by_repeat(cases: Sequence[Scored]) -> tuple[list[Scored], list[Scored]]:
    """(repeats, first occurrences) of ``(case, threshold)`` pairs."""
    return [x for x in cases if x[0].repeat], [x for x in cases if not x[0].repeat]


def report(rows: Sequence[dict], threshold: float) -> tuple[list[str], bool]:
    """The printed lines, and whether both all-data shares reach ``TARGET``."""
    cases = [c for row in rows for c in scoring.cases(row)]
    lines = [f"{'seed':>4}  {'fault':<34}{'repeat':>7}{'top sim':>9}  most similar earlier incident's cause"]
    for c in cases:
        mark = "" if c.found(threshold) else "   <- wrong"
        same = "same fault" if c.top_same else "other fault"
        lines.append(
            f"{c.seed:>4}  {c.fault:<34}{'yes' if c.repeat else 'no':>7}{c.top_similarity:>9.2f}  "
            f"{c.top_cause} ({same}){mark}"
        )
    held, chosen = scoring.held_out(cases)
    repeats_all, firsts_all = _by_repeat([(c, threshold) for c in cases])
    repeats_held, firsts_held = _by_repeat(held)
    lines += [
        "",
        f"faults: {sum(len(r['faults']) for r in rows)}; with an incident of their own: {len(cases)}",
        f"{'':<46}{'all data':>16}{'leave-one-kind-out':>22}",
        f"{'repeats: most similar is the same fault':<46}{_share(repeats_all):>16}{_share(repeats_held):>22}",
        f"{'first occurrences: nothing similar':<46}{_share(firsts_all):>16}{_share(firsts_held):>22}",
        f"SIMILARITY_THRESHOLD {threshold} (all data); held out, chosen without each kind: "
        + ", ".join(f"{k} {t:g}" for k, t in chosen.items()),
    ]
    ok = bool(repeats_all and firsts_all) and min(scoring.shares(cases, threshold)) >= TARGET
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.recurrence",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_row_options(parser, seeds="1-20")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.score is not None:
        rows = list(read_rows(args.score))
    else:
        sessions = planned(seeds_of(args.seeds), plan.session, args.jobs)
        save = row_log(args.rows)

        def on_row(row: dict, done: int) -> None:
            print(f"[{done}/{len(sessions)}] seed {row['seed']} ({row['wall_seconds']:.0f} s)", file=sys.stderr)
            save(row)

        rows = in_workers(run_one, sessions, args.jobs, on_row)
    lines, ok = report(sorted(rows, key=lambda r: r["seed"]), load_settings().similarity_threshold)
    print("\n".join(lines))
    print(f"\n{len(rows)} sessions in {time.perf_counter() - started:.0f} s of wall time")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
