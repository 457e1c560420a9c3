"""The PetShop benchmark's printed report: accuracy per scenario and overall, with and without the symptom."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.petshop.dataset import PUBLISHED_TOP1, SCENARIOS
from benchmarks.petshop.loso import FITTED, Fold
from benchmarks.petshop.runner import Outcome
from benchmarks.petshop.scoring import ac_at, avg_at


def published(scenario: str) -> float | None:
    """The publishers' top-1 for a scenario (latency and availability issues together), or None."""
    key = "temporal_traffic" if scenario.startswith("temporal_traffic") else scenario
    parts = [v for (s, _), v in PUBLISHED_TOP1.items() if s == key]
    if not parts:
        return None
    return sum(n * top1 for n, top1 in parts) / sum(n for n, _ in parts)


def published_overall() -> float:
    """The publishers' top-1 over all 68 issues."""
    return sum(n * top1 for n, top1 in PUBLISHED_TOP1.values()) / sum(n for n, _ in PUBLISHED_TOP1.values())


def _row(label: str, ranks: Sequence[int | None], baseline: float | None) -> str:
    base = f"{baseline:.2f}" if baseline is not None else "  - "
    return (
        f"| {label:<22} | {len(ranks):>2} | {ac_at(ranks, 1):.2f} | {ac_at(ranks, 3):.2f} | {avg_at(ranks, 5):.2f} "
        f"| {base} |"
    )


def table(outcomes: Sequence[Outcome], *, with_symptom: bool) -> list[str]:
    """Markdown rows: each scenario, then all issues."""
    chosen = [o for o in outcomes if o.with_symptom == with_symptom]
    lines = [
        f"{'With' if with_symptom else 'Without'} the symptom:",
        "",
        "| scenario               |  n | AC@1 | AC@3 | Avg@5 | published top-1 |",
        "|---|---|---|---|---|---|",
    ]
    for scenario in SCENARIOS:
        ranks = [o.rank for o in chosen if o.scenario == scenario]
        if ranks:
            lines.append(_row(scenario, ranks, published(scenario)))
    lines.append(_row("all issues", [o.rank for o in chosen], published_overall()))
    return lines


def miss_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """One line per issue whose root cause is not ranked first."""
    lines = []
    for o in outcomes:
        if o.rank != 1:
            where = "symptom" if o.with_symptom else "no symptom"
            top = ", ".join(o.ranking[:3]) or "no cause named"
            lines.append(f"  {o.scenario}/{o.issue} ({o.symptom_metric}, {where}): {o.root_cause} at rank "
                         f"{o.rank or '-'}; top: {top}")  # fmt: skip
    return lines


def loso_table(outcomes: Sequence[Outcome], folds: Sequence[Fold]) -> list[str]:
    """All issues next to leave-one-scenario-out, both ways; then the values each fold chose."""
    held = [o for fold in folds for o in fold.outcomes]
    lines = [
        "Leave-one-scenario-out (settings chosen on the other three scenarios, scored on the fourth):",
        "",
        "| issues | symptom |  n | AC@1 | AC@3 | Avg@5 |",
        "|---|---|---|---|---|---|",
    ]
    for way in (True, False):
        for label, group in (("all", outcomes), ("held out", held)):
            ranks = [o.rank for o in group if o.with_symptom == way]
            if ranks:
                lines.append(f"| {label} | {'with' if way else 'without'} | {len(ranks)} | {ac_at(ranks, 1):.2f} | "
                             f"{ac_at(ranks, 3):.2f} | {avg_at(ranks, 5):.2f} |")  # fmt: skip
    lines += ["", "Held-out scenario: AC@1 with / without the symptom; settings that differ from the chosen ones"]
    chosen = {s.name: s.chosen for s in FITTED}
    for fold in folds:
        figures = " / ".join(
            f"{ac_at([o.rank for o in fold.outcomes if o.with_symptom == way], 1):.2f}" for way in (True, False)
        )
        changed = [f"{name.rsplit('.', 1)[1]}={value}" for name, value in fold.values.items() if chosen[name] != value]
        lines.append(f"  {fold.held_out:<18} {figures}   {', '.join(changed) or 'all as chosen'}")
    lines += ["", "Settings chosen while looking at these results (value; alternatives; principle):"]
    lines += [f"  {s.name} = {s.chosen}; {', '.join(map(str, s.alternatives))}; {s.principle}" for s in FITTED]
    return lines


METHOD = (
    "Each issue through `analyze` with the call graph; onset: the third 5-minute row (index 2, the row the "
    "publishers' evaluation analyses); baseline: the scenario's normal-operation file, then the issue's rows "
    "before the onset (the temporal scenarios: those two rows only). AC@k and Avg@5 as RCAEval, service level."
)


def format_report(outcomes: Sequence[Outcome], *, folds: Sequence[Fold] = (), misses: bool = False) -> str:
    """The whole report."""
    seconds = sorted(o.seconds for o in outcomes)
    lines = [METHOD, ""]
    for way in (True, False):
        if any(o.with_symptom == way for o in outcomes):
            lines += [*table(outcomes, with_symptom=way), ""]
    if folds:
        lines += [*loso_table(outcomes, folds), ""]
    if seconds:
        lines.append(f"{len(seconds)} analyses; median {seconds[len(seconds) // 2]:.2f} s, max {seconds[-1]:.2f} s")
    if misses:
        lines += ["", "Issues whose root cause is not first:", *miss_lines(outcomes)]
    return "\n".join(lines)
