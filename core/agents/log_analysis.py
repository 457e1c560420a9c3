"""LogAnalysisAgent: log templates of the incident window against the baseline, new and surging ones first.

Ordering, for an SRE reading the report: the notable patterns (error/warning, new or surging) come first,
those that do not merely echo another service's trouble before those that do (``core.log_patterns.notable``);
then error before warning, then by surge score.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from core.agents.base import AnalysisContext
from core.log_patterns import is_error, notable, origin_first, summarize
from core.logmining.miner import TemplateMiner
from core.models import AgentOutput, LogAnalysisOutput, LogPattern

MAX_PATTERNS = 50  # patterns kept in the output (the most significant ones)


class LogAnalysisAgent:
    """Groups the window's log lines into templates and compares each with its baseline count.

    With the runtime's shared ``miner`` the templates and ids are the ones detection and the store use;
    without one, each analysis mines its lines afresh.
    """

    name: ClassVar[str] = "log_analysis"
    depends_on: ClassVar[tuple[str, ...]] = ()
    output_model: ClassVar[type[AgentOutput]] = LogAnalysisOutput

    def __init__(self, miner: TemplateMiner | None = None) -> None:
        self.miner = miner

    def analyze(self, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> LogAnalysisOutput:
        """Patterns (notable and not echoes first, see module docstring), window line counts; ``no_data``
        when there are no logs."""
        try:
            events = [e for e in ctx.logs if ctx.baseline_start <= e.ts <= ctx.window_end]
            window = [e for e in events if ctx.window_start <= e.ts]
            patterns = summarize(
                events,
                ctx.window_start,
                ctx.window_end,
                ctx.baseline_start,
                ctx.baseline_end,
                miner=self.miner,
                baseline_seconds=ctx.baseline_seconds,
            )
        except (AttributeError, TypeError, ValueError) as exc:
            return LogAnalysisOutput(status="error", error=f"log events unusable: {exc}")
        if not events:
            return LogAnalysisOutput(status="no_data", summary="No log lines in the baseline or the incident window.")
        patterns = origin_first(patterns, ctx.topology.services)
        error_lines = sum(1 for e in window if is_error(e.level))
        return LogAnalysisOutput(
            summary=_summary(patterns, len(window), error_lines),
            patterns=patterns[:MAX_PATTERNS],
            total_lines=len(window),
            error_lines=error_lines,
        )


def _summary(patterns: list[LogPattern], total: int, errors: int) -> str:
    if total == 0:
        return "No log lines in the incident window."
    shown = [p for p in patterns if notable(p)]
    head = f"{total} lines in the window ({errors} errors) in {len(patterns)} templates"
    if not shown:
        return head + "; no error or warning template is new or surging."
    top = shown[0]
    state = "new" if top.is_new else f"x{top.surge:.1f}"
    return (
        f"{head}; {len(shown)} error/warning template(s) new or surging, led by {top.level} "
        f"'{top.template[:120]}' ({top.count} lines, {state}) in {', '.join(top.services)}."
    )
