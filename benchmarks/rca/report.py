"""The benchmark's printed tables, from result rows (see ``scoring``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from benchmarks.rca import scoring

#: The issue's targets: (service, kind) top-1 by intensity, pairs in the top 3, false incidents, ECE, p95 delay.
TARGETS = {"top1_high": 0.95, "top1_low": 0.85, "pairs_top3": 0.80, "false_per_day": 1.0, "ece": 0.10, "p95": 20.0}


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def accuracy_table(rows: Sequence[dict]) -> list[str]:
    """Top-1 and top-3 per kind and intensity, at service level and at (service, kind) level."""
    groups: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for row in rows:
        fault = row["faults"][0]
        groups[(fault["type"], fault["intensity"])].append(row)
    lines = [f"{'kind':<28}{'int':>5}{'runs':>6}  {'svc@1':>7}{'svc@3':>7}  {'(svc,kind)@1':>13}{'@3':>7}"]
    for (kind, level), members in sorted(groups.items()):
        n = len(members)
        svc1 = sum(scoring.top1(r, service_level=True) for r in members)
        svc3 = sum(scoring.hit(r, 3, service_level=True) for r in members)
        both1 = sum(scoring.top1(r) for r in members)
        both3 = sum(scoring.hit(r, 3) for r in members)
        lines.append(
            f"{kind:<28}{level:>5.1f}{n:>6}  {_pct(svc1, n):>7}{_pct(svc3, n):>7}"
            f"  {_pct(both1, n):>13}{_pct(both3, n):>7}"
        )
    return lines


def misses(rows: Sequence[dict], limit: int = 25) -> list[str]:
    """The runs whose first hypothesis is wrong, to turn into regression scenarios."""
    out = []
    for row in rows:
        if row["faults"] and not scoring.top1(row):
            got = scoring.ranked(row)[:3]
            named = ", ".join(f"{kind}@{svc}" for svc, kind in got) or "no cause / no incident"
            out.append(f"  {row['label']} seed {row['seed']}: got {named}")
    return out[:limit] + ([f"  ... and {len(out) - limit} more"] if len(out) > limit else [])


def summary(rows: Sequence[dict]) -> tuple[list[str], bool]:
    """Every table and the headline figures against the targets; True when all targets are met."""
    singles = [r for r in rows if r["group"] == "single"]
    pairs = [r for r in rows if r["group"] == "pair"]
    quiet = [r for r in rows if r["group"] == "quiet"]
    lines = ["== Single faults: accuracy per kind and intensity", *accuracy_table(singles)]
    checks: list[tuple[str, float, float, bool]] = []
    high = [r for r in singles if r["faults"][0]["intensity"] >= 0.6]
    low = [r for r in singles if r["faults"][0]["intensity"] < 0.6]
    for name, members, target in (("top1_high", high, TARGETS["top1_high"]), ("top1_low", low, TARGETS["top1_low"])):
        if members:
            value = sum(scoring.top1(r) for r in members) / len(members)
            checks.append(
                (
                    f"(service, kind) top-1, intensity {'>= 0.6' if name == 'top1_high' else '< 0.6'}",
                    value,
                    target,
                    value >= target,
                )
            )
    if pairs:
        value = sum(scoring.hit(r, 3) for r in pairs) / len(pairs)
        checks.append(("pairs: both causes in the top 3", value, TARGETS["pairs_top3"], value >= TARGETS["pairs_top3"]))
        lines += [
            "",
            f"== Pairs: {len(pairs)} runs",
            *[
                f"  {r['label']} seed {r['seed']}: {'ok' if scoring.hit(r, 3) else 'MISS'} "
                f"(top 3: {', '.join(f'{k}@{s}' for s, k in scoring.ranked(r)[:3]) or '-'})"
                for r in pairs
            ],
        ]
    if quiet:
        count, days, per_day = scoring.false_incidents_per_day(quiet)
        lines += ["", f"== Fault-free: {count} incident(s) in {days:.2f} simulated days"]
        checks.append(
            (
                "false incidents per fault-free day",
                per_day,
                TARGETS["false_per_day"],
                per_day <= TARGETS["false_per_day"],
            )
        )
    table, ece = scoring.calibration(scoring.statements(rows))
    lines += [
        "",
        "== Calibration (every stated hypothesis)",
        f"{'confidence':<14}{'n':>7}{'mean conf':>11}{'accuracy':>10}",
    ]
    lines += [
        f"{b.low:.1f}-{b.high:.1f}{'':<7}{b.count:>7}{b.mean_confidence:>11.3f}{b.accuracy:>10.3f}" for b in table
    ]
    checks.append(("expected calibration error", ece, TARGETS["ece"], ece <= TARGETS["ece"]))
    delays = scoring.delays([*singles, *pairs])
    p50, p95 = scoring.percentile(delays, 50), scoring.percentile(delays, 95)
    lines += [
        "",
        f"== Detection delay over {len(delays)} runs: p50 {p50:.1f} s, p95 {p95:.1f} s,"
        f" max {max(delays, default=0):.1f} s",
    ]
    checks.append(("detection delay p95 (s)", p95, TARGETS["p95"], p95 <= TARGETS["p95"]))
    stated = [h for r in rows for i in r["incidents"] for h in i["root_causes"]]
    bare = sum(1 for h in stated if not h.get("evidence"))
    lines += [f"== Evidence: {len(stated) - bare}/{len(stated)} stated hypotheses cite at least one evidence item"]
    checks.append(("hypotheses without evidence", float(bare), 0.0, bare == 0))
    wrong = misses([*singles, *pairs])
    if wrong:
        lines += ["", "== Wrong first hypothesis", *wrong]
    lines += ["", "== Targets"]
    lines += [
        f"  {'ok ' if ok else 'MISS'} {name}: {value:.3f} (target {target:g})" for name, value, target, ok in checks
    ]
    return lines, all(ok for *_, ok in checks)
