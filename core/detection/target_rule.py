"""The target-down rule: a scrape target that stops answering is an incident of its own.

Prometheus says so with ``up == 0``; the demo service's metrics source with a failed scrape. Unlike the other
rules it fires precisely when a source fails, so it reads ``poll.targets``, which the metrics source fills
even when its scrape failed. Its severity is ``TARGET_DOWN_SEVERITY`` (SEV2 by default): the service behind
the target may be down, but whether users are hit is for the error-rate rules to measure.
"""

from __future__ import annotations

from collections import defaultdict

from core.config import Settings
from core.detection.base import Poll, TargetHealth
from core.models import Signal

RULE = "target_down"


class TargetDownRule:
    """One ``target_down`` signal per service with a target that did not answer this poll."""

    def __init__(self, settings: Settings) -> None:
        self.severity = settings.target_down_severity

    def evaluate(self, poll: Poll) -> list[Signal]:
        """Signals for services with a down target; value is the share of the service's targets that are up."""
        by_service: dict[str, list[TargetHealth]] = defaultdict(list)
        for target in poll.targets or ():
            by_service[target.service].append(target)
        signals = []
        for service, targets in sorted(by_service.items()):
            down = [t for t in targets if not t.up]
            if not down:
                continue
            reason = f": {down[0].error}" if down[0].error else ""
            which = ", ".join(t.target for t in down[:3]) + (f" and {len(down) - 3} more" if len(down) > 3 else "")
            signals.append(
                Signal(
                    rule=RULE,
                    service=service,
                    value=(len(targets) - len(down)) / len(targets),
                    threshold=1.0,
                    ts=poll.now,
                    message=f"{len(down)} of {len(targets)} target(s) of {service} not answering ({which}){reason}"[
                        :500
                    ],
                    severity=self.severity,
                )
            )
        return signals
