"""What every detection rule is: fed one poll, it returns the signals firing now.

The monitor builds one ``Poll`` per tick and hands it to each rule in turn; a rule keeps whatever memory it
needs (a rolling history, streaming detectors, a template miner) and skips a poll whose source failed
(``points`` or ``events`` is None), so a gap in the data never fires or clears anything by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from core.models import LogEvent, MetricPoint, Signal
from core.sources.base import TargetHealth

__all__ = ["DetectionRule", "Poll", "TargetHealth"]


@dataclass(frozen=True, slots=True)
class Poll:
    """One detection poll at ``now`` (seconds), every ``interval`` seconds; None: that source failed.

    ``targets`` is the health of each scrape target, when the metrics source can tell it (None: unknown).
    """

    now: float
    interval: float
    points: Sequence[MetricPoint] | None
    events: Sequence[LogEvent] | None
    targets: Sequence[TargetHealth] | None = None


@runtime_checkable
class DetectionRule(Protocol):
    """A detection rule: reads each poll in order and says which signals fire at ``poll.now``."""

    def evaluate(self, poll: Poll) -> list[Signal]:
        """The signals firing at ``poll.now`` (empty when none), in the same order for the same polls."""
        ...
