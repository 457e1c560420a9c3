"""Leave-one-system-out figures for the miner's one fitted setting, ``min_values``.

Every other choice of the miner is a principle (token shapes, character classes; see the README) and is
not fitted to a score; ``min_values`` (distinct words seen at one position before it becomes a variable)
was chosen by looking at GA. Here each system is scored with the value that does best on the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.heldout import HeldOut, best_on_all, leave_one_out
from benchmarks.loghub.metrics import Scores, score
from benchmarks.loghub.runner import mine
from core.logmining.miner import DEFAULT_MIN_VALUES

CANDIDATES: tuple[int, ...] = (2, 3, 4, 5, 6, 8)
"""Values of ``min_values`` the benchmark chooses among (the shipped default is one of them)."""


@dataclass(frozen=True)
class Sweep:
    """GA per candidate and system, the value best on all systems, and the leave-one-out choice."""

    ga: dict[int, dict[str, float]]
    scores: dict[int, dict[str, Scores]]
    best_all: int
    held_out: HeldOut[int]


def sweep(loaded: dict[str, tuple[list[str], list[str] | None]]) -> Sweep:
    """GA of every candidate ``min_values`` on every system with ground truth; then the held-out choice."""
    scores: dict[int, dict[str, Scores]] = {}
    for candidate in CANDIDATES:
        row = {}
        for system, (lines, truth) in loaded.items():
            if truth is None:
                continue
            ids, templates, _, _ = mine(lines, 1, candidate)
            row[system] = score(ids, templates, truth)
        scores[candidate] = row
    ga = {c: {system: s.ga for system, s in row.items()} for c, row in scores.items()}
    return Sweep(ga, scores, best_on_all(ga, DEFAULT_MIN_VALUES), leave_one_out(ga, DEFAULT_MIN_VALUES))


def format_sweep(result: Sweep) -> str:
    """Per system: GA with the shipped value (all data) and with the value chosen without the system."""
    shipped = result.ga[DEFAULT_MIN_VALUES]
    systems = list(shipped)
    if not systems:
        return "leave-one-system-out: no system with ground truth"
    lines = [
        f"fitted setting: min_values (distinct words at one position before it becomes <*>), candidates "
        f"{list(CANDIDATES)}; shipped {DEFAULT_MIN_VALUES}, best on all systems {result.best_all}",
        "not fitted (principles, one configuration): masking by token shape, event-shaped words kept",
        "(FGA and PA held out: with the min_values chosen on the other systems' GA)",
        f"{'system':<12}{'GA all':>8}{'chosen':>8}{'GA held':>9}{'FGA all':>9}{'FGA held':>9}{'PA all':>8}"
        f"{'PA held':>9}",
    ]
    full = result.scores[DEFAULT_MIN_VALUES]
    held = {system: result.scores[result.held_out.chosen[system]][system] for system in systems}
    for system in systems:
        lines.append(
            f"{system:<12}{shipped[system]:>8.3f}{result.held_out.chosen[system]:>8}"
            f"{result.held_out.value[system]:>9.3f}{full[system].fga:>9.3f}{held[system].fga:>9.3f}"
            f"{full[system].pa:>8.3f}{held[system].pa:>9.3f}"
        )
    n = len(systems)
    mean_all = sum(shipped.values()) / n
    mean_held = sum(result.held_out.value.values()) / n
    lines.append(
        f"{'average':<12}{mean_all:>8.3f}{'':>8}{mean_held:>9.3f}"
        f"{sum(s.fga for s in full.values()) / n:>9.3f}{sum(s.fga for s in held.values()) / n:>9.3f}"
        f"{sum(s.pa for s in full.values()) / n:>8.3f}{sum(s.pa for s in held.values()) / n:>9.3f}"
    )
    held = list(result.held_out.value.values())
    lines.append(
        f"lowest: all data {min(shipped.values()):.3f}, held out {min(held):.3f}; "
        f"spread of held-out GA over systems {max(held) - min(held):.3f}"
    )
    means = ", ".join(f"{c}: {sum(row.values()) / len(row):.3f}" for c, row in result.ga.items())
    lines.append(f"mean GA per candidate min_values (all systems): {means}")
    return "\n".join(lines)
