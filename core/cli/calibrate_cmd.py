"""``calibrate``: refit the confidence calibration from responders' verdicts, or undo the refit.

Nothing changes until it runs: analyses apply the newest stored recalibration (``core.agents.recalibration``)
from then on; the reports already stored keep the confidences they stated.
Exit codes: 0 stored (or printed, with ``--dry-run``), 1 too few verdicts and nothing changed, 2 an error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from core.agents.recalibration import FeedbackCalibration, PlattMap, fit, points
from core.agents.reliability import Reliability, reliability
from core.agents.root_cause import MAX_CONFIDENCE
from core.config import Settings
from core.memory import verdicts
from core.store import Store

#: Verdicts needed before a refit: with fewer, most confidence bins hold a handful of causes and the fit is the
#: prior's more than the data's; about twenty verdicts move the map by one prior standard deviation.
MIN_VERDICTS = 20


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "calibrate",
        help="refit the confidence calibration from the stored feedback, printing the calibration before and after",
        description=(
            "Fits a recalibration of the root-cause confidences on the verdicts responders gave (right / wrong "
            "and the actual cause) and stores it for the analyses to come; prints the reliability of the judged "
            "causes before and after. Exit code 1 when there are too few verdicts (nothing changed)."
        ),
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-feedback", action="store_true", help="refit from the newest verdict of every incident")
    mode.add_argument("--reset", action="store_true", help="undo the refit: the benchmark's calibration alone")
    p.add_argument("--dry-run", action="store_true", help="print the tables, store nothing")
    p.add_argument(
        "--min-verdicts",
        type=int,
        default=MIN_VERDICTS,
        help=f"verdicts needed before anything is fitted ({MIN_VERDICTS})",
    )
    p.add_argument("--by", default=None, help="who fits it, kept with the calibration (default: the OS user)")
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: INCIDENT_DB_PATH)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store(args.db or settings.incident_db_path)
    try:
        _progress("Reading the verdicts and the analyses they judged...")
        judged = verdicts.collect(store)
        current = store.latest_calibration()
        in_force = current.map if current else PlattMap()
        left_out = f"; {judged.skipped} on analyses that stated no cause left out" if judged.skipped else ""
        judged_causes = len(points(in_force, judged.groups, MAX_CONFIDENCE))
        print(f"Verdicts: {judged.verdicts} ({judged_causes} judged causes){left_out}.")
        print(f"In force: {_describe(current)}.")
        if args.from_feedback and judged.verdicts < args.min_verdicts:
            print(
                f"Only {judged.verdicts} verdict(s); at least {args.min_verdicts} are needed (--min-verdicts): "
                "nothing was changed."
            )
            return 1
        if args.from_feedback:
            _progress(f"Fitting on {judged_causes} judged causes...")
        refit = PlattMap() if args.reset else fit(judged.groups, MAX_CONFIDENCE)
        before = reliability(points(in_force, judged.groups, MAX_CONFIDENCE))
        after = reliability(points(refit, judged.groups, MAX_CONFIDENCE))
        print("", "== Before: the calibration in force", *table(before), sep="\n")
        print("", f"== After: {_named(refit)}", *table(after, before), sep="\n")
        print()
        if args.dry_run:
            print("Dry run: nothing was stored.")
            return 0
        by = args.by or _user()
        saved = store.save_calibration(
            refit, verdicts=judged.verdicts, by=by, at=time.time(), before=before, after=after
        )
        print(f"Stored as calibration {saved.version}: analyses from now on state {_named(refit)}.")
        return 0
    finally:
        store.close()


def _progress(text: str) -> None:
    """A progress line on stderr (stdout keeps the tables alone)."""
    print(text, file=sys.stderr, flush=True)


def table(now: Reliability, then: Reliability | None = None) -> list[str]:
    """The reliability table's lines (one per confidence bin), then the scores (``then -> now`` when given)."""
    lines = [f"{'confidence':<14}{'n':>7}{'mean conf':>11}{'share right':>13}"]
    for b in now.bins:
        span = f"{100 * b.low:.0f}-{b.high:.0%}"
        if b.count:
            lines.append(f"{span:<14}{b.count:>7}{b.mean_confidence:>11.3f}{b.share_right:>13.3f}")
        else:
            lines.append(f"{span:<14}{0:>7}{'-':>11}{'-':>13}")

    def score(name: str, value: float, old: float | None) -> str:
        return f"{name} {old:.3f} -> {value:.3f}" if old is not None else f"{name} {value:.3f}"

    lines.append(
        "   ".join(
            (
                score("log loss", now.log_loss, then.log_loss if then else None),
                score("Brier", now.brier, then.brier if then else None),
                score("ECE", now.ece, then.ece if then else None),
            )
        )
    )
    return lines


def _named(model: PlattMap) -> str:
    if model.identity:
        return "the benchmark's calibration alone (no refit)"
    sign = "-" if model.intercept < 0 else "+"
    return f"the refit p' = sigmoid({model.slope:.3f} * logit(p) {sign} {abs(model.intercept):.3f})"


def _describe(current: FeedbackCalibration | None) -> str:
    if current is None:
        return "the benchmark's calibration alone (no refit stored)"
    when = datetime.fromtimestamp(current.fitted_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    what = "reset to the benchmark's calibration" if current.map.identity else _named(current.map)
    return f"calibration {current.version}, {what}, from {current.verdicts} verdicts by {current.fitted_by} at {when}"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment nor the password database (some containers)
        return "cli"
