"""The Markdown report of each seed fault reads in one screen: Executive Summary, Root Cause and Immediate Actions
(with the first action) within its first 40 lines, before the timeline, evidence and log patterns."""

from __future__ import annotations

import pytest

from benchmarks.report_layout import LEAD_LINES, SEED_FAULTS, heading_lines, reports
from core.report.markdown import LEAD, SECTIONS

pytestmark = pytest.mark.slow  # a simulation each


@pytest.mark.parametrize("fault", SEED_FAULTS)
def test_summary_root_cause_and_actions_come_within_40_lines(fault: str) -> None:
    found = reports(fault, seed=1, duration=120)
    assert found, f"simulating {fault} opened no incident"
    for markdown in found:
        lines = heading_lines(markdown)
        assert [s for s in lines if s in SECTIONS] == list(SECTIONS)  # the lead sections first, then the rest
        assert all(lines[section] <= LEAD_LINES for section in (*LEAD, "first action")), lines
        assert markdown.splitlines()[lines["first action"] - 1].startswith("- [ ] ")
