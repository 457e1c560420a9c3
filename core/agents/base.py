"""What every analysis agent sees and promises: a context in, a typed output with a status out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import pandas as pd

from core.agents.recalibration import PlattMap
from core.catalogue import Signature
from core.config import Settings
from core.memory.precedent import Precedent
from core.models import AgentOutput, FaultKind, Incident, InjectedFault, LogEvent, Topology
from core.report.revision import Revising


@dataclass(frozen=True)
class AnalysisContext:
    """Everything the agents may look at for one incident; read-only.

    ``metrics`` has columns ``ts, service, metric, value`` (one row per sample, metric names from
    ``core.models.METRICS``) and covers ``[baseline_start, window_end]``; ``logs`` covers the same span.
    The baseline is the stretch before the incident's first signal, the window runs from there to now.
    ``recent_start``, when set, says that the baseline was recorded apart from the incident and that the
    samples from ``recent_start`` to ``baseline_end`` are the ones just before the window (offline analysis
    of a separate baseline file): a series' level is then judged against them too.
    ``onset``, when set, is when the incident is known to have begun (an alert's time, the offline
    ``--onset``): a cause shows from then on.
    ``signatures``, when set, replaces the registered fault kinds as the root-cause candidates (offline
    analysis of a CSV scores resource kinds such as ``cpu`` and ``memory`` instead of the shop's kinds).
    ``faults`` are the faults injected over the same span (the report counts detection from the one the
    incident explains); the agents never read them to find a cause.
    ``excluded`` are spans of the baseline whose data were left out (earlier incidents and injected faults,
    ``core.orchestration.windows``). ``revising`` says which analysis of the incident this is and holds the
    one before it (None: not stored as a revision, e.g. an offline analysis).
    """

    incident: Incident
    metrics: pd.DataFrame
    logs: Sequence[LogEvent]
    baseline_start: float
    baseline_end: float
    window_start: float
    window_end: float
    topology: Topology
    catalogue: Sequence[FaultKind]
    settings: Settings
    signatures: Mapping[str, Signature] | None = None
    faults: Sequence[InjectedFault] = ()  # injected over the same span (none outside a demo)
    recent_start: float | None = None
    onset: float | None = None
    excluded: tuple[tuple[float, float], ...] = ()
    revising: Revising | None = None

    @property
    def baseline_seconds(self) -> float:
        """Seconds of baseline the data cover: its span without the ``excluded`` spans."""
        start, end = self.baseline_start, self.baseline_end
        left_out = sum(max(0.0, min(e, end) - max(s, start)) for s, e in self.excluded)
        return max(0.0, end - start - left_out)

    #: Earlier incidents with their fingerprints and verdicts (``core.memory``): similar ones are listed in the
    #: report, and the verdicts on them shift the ranking of causes within a bound (``feedback_prior``).
    precedents: Sequence[Precedent] = ()
    #: The recalibration fitted on responders' verdicts (``calibrate --from-feedback``), applied by the root-cause
    #: agent on top of the benchmark's calibration; None (none stored, or reset) changes nothing.
    recalibration: PlattMap | None = None


class Agent(Protocol):
    """A deterministic analyzer. ``analyze`` must not raise for bad data: it returns status error/no_data."""

    name: ClassVar[str]  # "monitoring", "log_analysis", "root_cause", "mitigation", "reporter"
    depends_on: ClassVar[tuple[str, ...]]  # names of agents whose outputs it reads
    output_model: ClassVar[type[AgentOutput]]

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> AgentOutput: ...
