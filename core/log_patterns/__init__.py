"""Log patterns: the one home of what a pattern is, how it is counted, and when it surges or matters.

- ``summary``: templates of an incident window counted against the baseline (``summarize``);
- ``surge``: surge and excess, and the two bars that use them (``NOTABLE`` for the analysis, ``FIRING``
  for the detection rule);
- ``notable``: which patterns an SRE should read first;
- ``levels``: log levels as the pattern logic reads them.

Mining itself (masking, the template miner) lives in ``core.logmining``; the detection rule that fires on
a poll's new or surging error patterns in ``core.detection.log_rules``.
"""

from core.log_patterns.levels import ERROR_LEVELS, LEVEL_RANK, is_error, normal_level
from core.log_patterns.notable import echoes, notable, origin_first
from core.log_patterns.summary import first_line, summarize, template_of
from core.log_patterns.surge import (
    FIRING,
    NOTABLE,
    SurgeBar,
    excess,
    expected_count,
    is_surging,
    pattern_excess,
    surge,
    surges,
)
from core.logmining.masking import MAX_LINE_CHARS, WILDCARD, mask
from core.logmining.miner import template_id

__all__ = [
    "ERROR_LEVELS",
    "FIRING",
    "LEVEL_RANK",
    "MAX_LINE_CHARS",
    "NOTABLE",
    "WILDCARD",
    "SurgeBar",
    "echoes",
    "excess",
    "expected_count",
    "first_line",
    "is_error",
    "is_surging",
    "mask",
    "normal_level",
    "notable",
    "origin_first",
    "pattern_excess",
    "summarize",
    "surge",
    "surges",
    "template_id",
    "template_of",
]
