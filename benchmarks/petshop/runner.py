"""Every PetShop issue through ``python -m core.cli analyze``'s own code path, with and without the symptom.

Each issue's metrics (and its scenario's normal-operation file) are rewritten as long CSVs once
(``dataset.write_long``); the arguments are parsed by the CLI's parser, and the analysis is the one
``analyze`` prints (``core.cli.analyze_cmd.analysis_for``). The ranking is read at service level: the
services of the ranked hypotheses in order, each once.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.petshop.dataset import Issue, normal_file, onset, write_long
from core.cli.analyze_cmd import analysis_for
from core.cli.main import build_parser
from core.config import Settings
from core.models import RootCause

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Outcome:
    """The ranked services for one issue, run with or without its symptom, and where the answer came."""

    scenario: str
    issue: str
    symptom_metric: str
    with_symptom: bool
    ranking: tuple[str, ...]
    root_cause: str
    seconds: float

    @property
    def rank(self) -> int | None:
        """1-based rank of the root cause among the ranked services, or None when it is not named."""
        return self.ranking.index(self.root_cause) + 1 if self.root_cause in self.ranking else None


def arguments(issue: Issue, files: Path, *, with_symptom: bool) -> list[str]:
    """The ``analyze`` command line for ``issue`` (files converted under ``files``)."""
    metrics = write_long(issue.folder / "metrics.csv", files / issue.scenario / issue.name / "metrics.csv")
    argv = ["analyze", "--metrics", str(metrics), "--graph", str(issue.folder.parents[1] / "graph.csv")]
    normal = normal_file(issue.folder.parents[2], issue.scenario)
    if normal is not None:
        converted = files / issue.scenario / "noissue.csv"
        if not converted.exists():
            write_long(normal, converted)
        argv += ["--baseline", str(converted)]
    argv += ["--onset", f"{onset(issue.folder / 'metrics.csv'):.0f}"]
    if with_symptom:
        argv += ["--symptom", f"{issue.symptom_node}:{issue.symptom_metric}"]
    return [*argv, "--json"]


def ranked_services(causes: Iterable[RootCause]) -> tuple[str, ...]:
    """Services of the ranked hypotheses in order, each once (RCAEval's service-level ranking)."""
    return tuple(dict.fromkeys(cause.service for cause in causes))


def run_issue(issue: Issue, files: Path, settings: Settings, *, with_symptom: bool) -> Outcome:
    """Analyse one issue as ``python -m core.cli analyze`` would."""
    args = build_parser().parse_args(arguments(issue, files, with_symptom=with_symptom))
    started = time.perf_counter()
    result, _ = analysis_for(args, settings)
    return Outcome(
        scenario=issue.scenario,
        issue=issue.name,
        symptom_metric=issue.symptom_metric,
        with_symptom=with_symptom,
        ranking=ranked_services(result.root_causes),
        root_cause=issue.root_cause,
        seconds=time.perf_counter() - started,
    )


def run_all(
    issues: list[Issue], settings: Settings, progress: Progress | None = None, ways: tuple[bool, ...] = (True, False)
) -> list[Outcome]:
    """Every issue, with its symptom and without (``ways``: True for with)."""
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="petshop-") as tmp:
        total = len(ways) * len(issues)
        for done, (issue, with_symptom) in enumerate(((i, w) for w in ways for i in issues), start=1):
            outcomes.append(run_issue(issue, Path(tmp), settings, with_symptom=with_symptom))
            if progress:
                progress(done, total, f"{issue.scenario}/{issue.name}")
    return outcomes


def print_progress(done: int, total: int, label: str) -> None:
    """One line on stderr per analysis, overwritten in place."""
    print(f"\r  {done}/{total} {label:<40}", end="\n" if done == total else "", file=sys.stderr, flush=True)
