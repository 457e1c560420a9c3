"""Leave-one-scenario-out figures for the settings chosen while looking at this benchmark's results.

Each such setting (``FITTED``) has its chosen value and the alternatives that were considered. The whole
dataset is analysed once per alternative (one setting changed at a time). For each scenario held out, every
setting takes the value with the best AC@1 on the other three scenarios (with and without the symptom
together; Avg@5, then the chosen value, break ties), and the held-out scenario is scored with those values
applied together. The held-out figures of the four folds, pooled, are the leave-one-scenario-out figures.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.petshop.dataset import Issue
from benchmarks.petshop.runner import Outcome
from benchmarks.petshop.scoring import ac_at, avg_at

Value = float | bool
Runner = Callable[[list[Issue]], list[Outcome]]


@dataclass(frozen=True)
class Setting:
    """A module-level constant of the analysis, its chosen value, the alternatives, and its principle."""

    name: str  # "core.agents.metric_rules.SHARE_SIGMA"
    chosen: Value
    alternatives: tuple[Value, ...]
    principle: str


FITTED: tuple[Setting, ...] = (
    Setting(
        "core.agents.metric_rules.SHARE_SIGMA",
        0.001,
        (0.0005, 0.002, 0.005),
        "a share of a whole moves by at least a thousandth of its scale (0.1 point: one request in a thousand)",
    ),
    Setting(
        "core.agents.metric_rules.PEER_SIGMA",
        0.01,
        (0.0, 0.005, 0.02),
        "a magnitude's spread is at least 1% of the level the same metric has on the other services",
    ),
    Setting(
        "core.agents.rca_scoring.LATE_SAMPLES",
        0.5,
        (1.5, float("inf")),
        "with a known onset, symptoms that begin a sample or more after it are a consequence",
    ),
    Setting(
        "core.offline.kinds.ADDITIVE",
        True,
        (False,),
        "latency and failed requests add up along calls: weigh what a candidate explains by size",
    ),
    Setting(
        "core.offline.kinds.TRAFFIC_NEEDS_HARM",
        True,
        (False,),
        "more requests are not a fault by themselves: a surge is named with the harm it brings",
    ),
    Setting(
        "core.agents.root_cause.GROUPS_BY_EVIDENCE",
        True,
        (False,),
        "the group with the strongest evidence leads; an uncontested lone cause is not thereby the likeliest",
    ),
)


@contextmanager
def applied(values: Mapping[str, Value]) -> Iterator[None]:
    """The named module constants set to ``values`` for the duration, then restored."""
    saved = []
    try:
        for name, value in values.items():
            module_name, attr = name.rsplit(".", 1)
            module = importlib.import_module(module_name)
            saved.append((module, attr, getattr(module, attr)))
            setattr(module, attr, value)
        yield
    finally:
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)


def _key(outcomes: Sequence[Outcome]) -> tuple[float, float]:
    """(AC@1 with and without the symptom together, Avg@5): what a fold maximises."""
    ranks = [o.rank for o in outcomes]
    return ac_at(ranks, 1), avg_at(ranks, 5)


@dataclass(frozen=True)
class Fold:
    """One held-out scenario: the values chosen on the others, and the held-out outcomes with them."""

    held_out: str
    values: dict[str, Value]
    outcomes: list[Outcome]


def leave_one_scenario_out(issues: list[Issue], base: list[Outcome], run: Runner) -> list[Fold]:
    """The four folds. ``base`` holds every issue's outcomes at the chosen values; ``run`` analyses issues
    (both ways) under whatever ``applied`` has set."""
    runs: dict[tuple[str, Value], list[Outcome]] = {}
    for setting in FITTED:
        runs[(setting.name, setting.chosen)] = base
        for value in setting.alternatives:
            with applied({setting.name: value}):
                runs[(setting.name, value)] = run(issues)
    folds = []
    for held_out in dict.fromkeys(i.scenario for i in issues):
        values = {s.name: _best(s, runs, held_out) for s in FITTED}
        chosen = all(values[s.name] == s.chosen for s in FITTED)
        test = [i for i in issues if i.scenario == held_out]
        if chosen:
            outcomes = [o for o in base if o.scenario == held_out]
        else:
            with applied(values):
                outcomes = run(test)
        folds.append(Fold(held_out, values, outcomes))
    return folds


def _best(setting: Setting, runs: Mapping[tuple[str, Value], list[Outcome]], held_out: str) -> Value:
    """The value of ``setting`` with the best figures on the scenarios other than ``held_out``."""
    options = [setting.chosen, *setting.alternatives]

    def score(value: Value) -> tuple[float, float, bool]:
        train = [o for o in runs[(setting.name, value)] if o.scenario != held_out]
        return (*_key(train), value == setting.chosen)

    return max(options, key=score)
