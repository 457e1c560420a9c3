"""The log-pattern rule: an ERROR pattern that is new or surging in one poll is evidence of an incident.

Every polled line is mined into the shared ``TemplateMiner`` (so template ids are the ones the log
analysis and the store use). For each ERROR (CRITICAL, FATAL) template and service, the rule fires when
the poll holds at least ``min_lines`` lines of it (``MIN_LINES`` by default) and the template is

- new: first mined less than ``NEW_SECONDS`` ago (and not already known from the persisted history), or
- surging: its rate in the poll is at least ``surge_factor`` (``LOG_PATTERN_SURGE_FACTOR``) times its rate over
  the previous ``BASELINE_SECONDS``, and the excess is not chance: the detection bar of ``core.log_patterns``
  (``FIRING``: 3 Poisson standard deviations), stricter than the bar the analysis lists patterns by.

The rule stays quiet for ``WARMUP_SECONDS`` after it starts: before that, every pattern would look new.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.detection.base import Poll
from core.log_patterns import FIRING, SurgeBar, expected_count, is_error, surges
from core.logmining.miner import TemplateMiner
from core.models import LogEvent, Signal

RULE = "log_pattern"
MIN_LINES = 5  # lines of one error template from one service in one poll
NEW_SECONDS = 60.0  # a template first mined this recently is new
BASELINE_SECONDS = 900.0  # history a poll's rate is compared with
WARMUP_SECONDS = 120.0  # history needed before anything counts as new or surging
MAX_TEMPLATE_CHARS = 160  # of the template quoted in the signal's message


@dataclass
class _Poll:
    ts: float
    counts: Counter[tuple[str, str]]  # (template id, service) -> error lines


@dataclass
class LogPatternRule:
    """Mines polled lines and finds new or surging error templates; one instance per monitor thread.

    The miner is shared with the analysis threads (it takes its own lock); the poll history is not.
    """

    miner: TemplateMiner = field(default_factory=TemplateMiner)
    min_lines: int = MIN_LINES  # Settings.log_pattern_min_lines
    surge_factor: float = FIRING.factor  # Settings.log_pattern_surge_factor
    _polls: deque[_Poll] = field(default_factory=deque)
    _started: float | None = None

    def evaluate(self, poll: Poll) -> list[Signal]:
        """Mine the poll's lines and return the signals firing at ``poll.now``; none when the logs failed."""
        return [] if poll.events is None else self._evaluate(poll.events, poll.now, poll.interval)

    def _evaluate(self, events: Sequence[LogEvent], now: float, interval: float) -> list[Signal]:
        if self._started is None:
            self._started = now
        counts: Counter[tuple[str, str]] = Counter()
        for event in events:
            cluster = self.miner.add(event.message, event.ts)
            if is_error(event.level):
                counts[(cluster.id, event.service)] += 1
        counts = self._resolved(counts)
        signals = [] if now - self._started < WARMUP_SECONDS else self._signals(counts, now, interval)
        self._remember(_Poll(now, counts), now)
        return signals

    def _resolved(self, counts: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
        """Counts keyed by current template ids (a template may have been folded into another)."""
        out: Counter[tuple[str, str]] = Counter()
        for (tid, service), n in counts.items():
            out[(self.miner.resolve(tid), service)] += n
        return out

    def _remember(self, poll: _Poll, now: float) -> None:
        self._polls.append(poll)
        while self._polls and self._polls[0].ts < now - BASELINE_SECONDS:
            self._polls.popleft()

    def _baseline(self) -> tuple[Counter[tuple[str, str]], float]:
        """Error lines per (template, service) over the remembered polls, and the seconds they span."""
        total: Counter[tuple[str, str]] = Counter()
        for poll in self._polls:
            total.update(self._resolved(poll.counts))
        span = self._polls[-1].ts - self._polls[0].ts if len(self._polls) > 1 else 0.0
        return total, span

    def _signals(self, counts: Counter[tuple[str, str]], now: float, interval: float) -> list[Signal]:
        if all(count < self.min_lines for count in counts.values()):
            return []  # nothing can fire: skip the baseline, a sum over 15 minutes of polls
        baseline, span = self._baseline()
        bar = SurgeBar(self.surge_factor, FIRING.min_excess)
        one_line = expected_count(1, interval, max(span, interval))  # an empty baseline counts as one line
        best: dict[str, Signal] = {}
        for (tid, service), count in counts.items():
            cluster = self.miner.get(tid) if count >= self.min_lines else None
            if cluster is None:
                continue
            seen_before = baseline.get((tid, service), 0)
            is_new = cluster.first_seen >= now - NEW_SECONDS and seen_before == 0
            expected = expected_count(seen_before, interval, span)
            if not (is_new or (span >= WARMUP_SECONDS and surges(count, expected, one_line, bar))):
                continue
            state = "new" if is_new else f"{count / max(expected, 1e-9):.0f}x its usual rate"
            template = cluster.template[:MAX_TEMPLATE_CHARS]
            signal = Signal(
                rule=RULE,
                service=service,
                value=float(count),
                threshold=float(self.min_lines),
                ts=now,
                message=f"{count} ERROR lines from {service} in the last poll match a {state} log pattern: {template}",
            )
            if service not in best or signal.value > best[service].value:
                best[service] = signal
        return [best[service] for service in sorted(best)]
