"""The report written when the reporter failed: what the other agents found, and every gap, from the view."""

from __future__ import annotations

from core.report.fallback import render_fallback
from tests.report.views import partial_view, rich_view


def test_fallback_of_a_rich_view_lists_what_is_known() -> None:
    markdown = render_fallback(rich_view(), "ReporterAgent failed: KeyError: 'x'")
    assert markdown.startswith(
        "# RCA (incomplete): Checkout &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*\\*down\\*\\*\n"
    )
    assert "> The full report could not be written: ReporterAgent failed: KeyError: 'x'." in markdown
    assert "- **Most likely root cause:** error\\_rate in checkout (70% confidence)" in markdown
    assert "- **Anomaly:** checkout error\\_rate went up from 0.01 to 0.3" in markdown
    assert markdown.count("- **Log pattern:** Unhandled exception") == 5  # the first patterns the report lists
    assert "- **Action:** Roll back checkout" in markdown and "- **Action:** Page the checkout team" in markdown
    assert markdown.rstrip().endswith("- **reporter:** ReporterAgent failed: KeyError: 'x'")


def test_fallback_of_a_partial_view_names_every_gap() -> None:
    markdown = render_fallback(partial_view(), "the reporter produced no report")
    assert "- **Most likely root cause:** not identified" in markdown
    assert "**Log pattern:**" not in markdown and "**Action:**" not in markdown
    failed = markdown.split("## What failed")[1]
    assert "- **root\\_cause:** RootCauseAgent failed: TimeoutError: 30 s" in failed
    assert "- **mitigation:** no root cause to act on" in failed
    assert "- **log\\_analysis:** did not run" in failed
