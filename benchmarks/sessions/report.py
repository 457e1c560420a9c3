"""The sessions benchmark's printed tables, from result rows (see ``scoring``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from benchmarks.sessions import scoring

#: Issue 14's targets: first- and final-analysis top-1 (at least; over the faults an incident explains, since a
#: fault that opened none had no analysis: the missed share is printed beside), merged or split faults and the
#: delay p95 (at most).
AT_LEAST = {"first_top1_detected": 0.85, "final_top1_detected": 0.95}
AT_MOST = {"merged_or_split": 0.05, "delay_p95": 20.0}
HEADER = (
    f"{'':<28}{'faults':>6}  {'first@1':>7}{'final@1':>8}"
    f"  {'merged':>7}{'split':>7}{'missed':>7}  {'p50 s':>6}{'p95 s':>6}"
)


def line(name: str, figures: dict[str, float]) -> str:
    """One row of the tables: a name and its headline figures."""
    return (
        f"{name:<28}{figures['faults']:>6.0f}  {figures['first_top1']:>7.1%}{figures['final_top1']:>8.1%}"
        f"  {figures['merged']:>7.1%}{figures['split']:>7.1%}{figures['missed']:>7.1%}"
        f"  {figures['delay_p50']:>6.0f}{figures['delay_p95']:>6.0f}"
    )


def wrong(scores: Sequence[scoring.FaultScore]) -> list[str]:
    """The faults that the first or the final analysis of their incident did not name, and what it named."""
    out = []
    for s in scores:
        if s.first_right and s.final_right:
            continue
        state = "missed" if s.incidents == 0 else ("merged" if s.merged else ("split" if s.split else "own"))
        fault = f"{s.kind}@{s.target}:{s.intensity:g}"
        out.append(f"  seed {s.seed}: {fault} ({state}): first {s.first_named}, final {s.final_named}")
    return out


def checks(figures: dict[str, float]) -> tuple[list[str], bool]:
    """Each headline figure against its target; True when every target is met."""
    lines, ok = [], True
    for name, target in [*AT_LEAST.items(), *AT_MOST.items()]:
        value = figures[name]
        met = value <= target if name in AT_MOST else value >= target
        ok &= met
        seconds = name == "delay_p95"
        shown, bound = (f"{value:.0f} s", f"{target:.0f} s") if seconds else (f"{value:.1%}", f"{target:.0%}")
        sign = "<=" if name in AT_MOST else ">="
        lines.append(f"{name:<18}{shown:>8}  target {sign} {bound}  {'ok' if met else 'MISSED'}")
    return lines, ok


def report(rows: Sequence[dict]) -> tuple[list[str], bool]:
    """Tables per kind and per seed, the faults named wrong, and the headline against the targets."""
    scores = [s for row in rows for s in scoring.score_faults(row)]
    by_kind: dict[str, list[scoring.FaultScore]] = defaultdict(list)
    for s in scores:
        by_kind[s.kind].append(s)
    lines = ["== Per kind", HEADER]
    lines += [line(kind, scoring.headline(members)) for kind, members in sorted(by_kind.items())]
    lines += ["", "== Per seed", HEADER]
    lines += [line(f"seed {row['seed']}", scoring.headline(scoring.score_faults(row))) for row in rows]
    missed = wrong(scores)
    lines += ["", f"== Faults the first or the final analysis did not name ({len(missed)})", *missed]
    figures = scoring.headline(scores)
    lines += ["", "== All sessions", HEADER, line(f"{len(rows)} sessions", figures)]
    lines.append(
        f"top-1 over the {figures['faults'] * (1 - figures['missed']):.0f} detected faults: first "
        f"{figures['first_top1_detected']:.1%}, final {figures['final_top1_detected']:.1%}"
    )
    lines.append(f"false incidents (explaining no fault): {scoring.false_incidents(rows)}")
    lines.append(f"detected within the delay the Fault injection page promised: {figures['kept_promise']:.1%}")
    verdicts, ok = checks(figures)
    return [*lines, *verdicts], ok
