"""The PetShop benchmark's printed report: accuracy per scenario and overall, with and without the symptom."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.petshop.dataset import PUBLISHED_TOP1, SCENARIOS
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


def format_report(outcomes: Sequence[Outcome], *, misses: bool = False) -> str:
    """The whole report."""
    seconds = sorted(o.seconds for o in outcomes)
    lines = [*table(outcomes, with_symptom=True), "", *table(outcomes, with_symptom=False), ""]
    if seconds:
        lines.append(f"{len(seconds)} analyses; median {seconds[len(seconds) // 2]:.2f} s, max {seconds[-1]:.2f} s")
    if misses:
        lines += ["", "Issues whose root cause is not first:", *miss_lines(outcomes)]
    return "\n".join(lines)
