"""The RCA report in Markdown, rendered from a ``ReportView``. Every piece of untrusted text is escaped.

It reads in one screen: what happened and how fast it was detected, the root cause with its key evidence and the
first actions come first (``LEAD``, within about 40 lines); the impact, the timeline of key events, every cause's
evidence, the log patterns (a short table, then the rest) and the prevention items follow. An agent without
usable output yields a blockquote in the sections it feeds, saying which part is missing and why, never an
exception. Values are formatted by ``core.units``.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB, Action, Evidence, LogPattern
from core.report import similar
from core.report.escape import markdown_cell as cell
from core.report.escape import markdown_code as code
from core.report.escape import markdown_text as text
from core.report.revision import REASON_TEXT
from core.report.timeline import clock
from core.report.view import Cause, ReportView
from core.units import format_value, percent, utc

#: The sections a reader needs first: they come before the rest, in this order.
LEAD = ("Executive Summary", "Root Cause", "Immediate Actions")
SECTIONS = (*LEAD, "Impact", "Timeline", "Evidence", "Log Patterns", "Prevention")
MAX_ALTERNATIVE_EVIDENCE = 4
KEY_EVIDENCE = 3  # evidence items of the top cause stated under Root Cause (all of them under Evidence)
MAX_ALTERNATIVES = 3  # competing causes named under Root Cause (every cause has its part under Evidence)
TOP_PATTERNS = 5  # log patterns in the first table; the others the report lists follow in a second one
INDEPENDENT_SUMMARY_CHARS = 400  # an independent cause's summary under Root Cause (its evidence is under Evidence)
AGENT_LABELS = {
    "monitoring": "Monitoring",
    "log_analysis": "Log analysis",
    "root_cause": "Root-cause analysis",
    "mitigation": "Mitigation",
}
CALIBRATION_NOTE = (
    "Confidence is the calibrated probability that a cause is right: of the causes stated at about 80%, about "
    "80% were right on the RCA benchmark. Causes that compete for the same symptoms share it; an independent "
    "cause (a second fault at the same time) has its own."
)
OFFLINE_CALIBRATION_NOTE = (  # someone else's data, kinds named by resource
    " The calibration was fitted on the demo shop: on data from another system, read these confidences "
    "as a ranking with a rough size rather than as exact probabilities."
)


def duration(seconds: float) -> str:
    """Seconds as ``45 s``, ``3 min 20 s`` or ``2 h 5 min``."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else (f"{minutes} min {secs} s" if minutes else f"{secs} s")


def _missing(view: ReportView, agent: str) -> list[str]:
    gap = view.gap(agent)
    if gap is None:
        return []
    return [f"> {AGENT_LABELS.get(agent, agent)} {text(gap.reason)}. This report is partial.", ""]


def _opening(view: ReportView) -> str:
    impact, header = view.impact, view.header
    affected = text(", ".join(impact.services) or "no service identified")
    if header.offline:
        return (
            f"Offline analysis of a {duration(impact.duration_s)} window from {utc(impact.start_ts)} to "
            f"{utc(impact.end_ts)}, in which these services left their baseline: {affected}."
        )
    return (
        f"{text(header.severity)} incident, {'resolved' if impact.resolved else 'open'} for "
        f"{duration(impact.duration_s)} since {utc(impact.start_ts)}, affecting {affected}."
    )


def detected(view: ReportView) -> str:
    """How long detection took, from the injected fault (when there is one) and from the first sign in the data."""
    if view.detection is None:  # a report written before both delays were kept
        return f"Detected {duration(view.header.detection_delay_s)} after the first signal."
    return text(view.detection.sentence(), 600)


def _summary(view: ReportView) -> list[str]:
    line = _opening(view)
    top = view.top_cause
    if top:
        line += (
            f" Most likely root cause: **{text(top.kind)}** in **{text(top.service)}** "
            f"({percent(top.confidence)} confidence)."
        )
    elif view.root_cause:
        line += f" No root cause identified: {text(view.root_cause.no_cause_reason or view.root_cause.summary)}"
    if view.first_action:
        line += f" First action: {text(view.first_action.title)}."
    if not view.header.offline:
        line += f" {detected(view)}"
    lines = [line]
    if view.gaps:
        missing = "; ".join(f"{AGENT_LABELS.get(g.agent, g.agent).lower()} ({text(g.reason)})" for g in view.gaps)
        lines += ["", f"> This report is partial: missing {missing}."]
    return lines


def _impact(view: ReportView) -> list[str]:
    impact = view.impact
    lines = _missing(view, "monitoring")
    lines.append(f"- **Services affected:** {text(', '.join(impact.services) or 'none identified')}")
    if impact.missing_signals:
        gaps = "; ".join(f"{service}: {', '.join(signals)}" for service, signals in impact.missing_signals.items())
        lines.append(f"- **Signals missing (no data, not zero):** {text(gaps)}")
    labels = {ERROR_RATE: "Peak error rate", LATENCY_P95_MS: "Peak p95 latency", MEMORY_MB: "Peak memory"}
    for metric, label in labels.items():
        if metric not in impact.peaks:
            continue
        service, value = impact.peaks[metric]
        line = f"- **{label}:** {format_value(metric, value)} in {text(service)}"
        threshold = impact.thresholds.get(metric)
        if threshold is not None:
            state = "above" if value > threshold else "below"
            line += f" ({state} the {format_value(metric, threshold)} threshold)"
        lines.append(line)
    if view.header.offline:
        span = f"{utc(impact.start_ts)} to {utc(impact.end_ts)}"
        lines.append(f"- **Window analysed:** {duration(impact.duration_s)} ({span})")
    else:
        state = "resolved after" if impact.resolved else "ongoing for"
        lines.append(f"- **Duration:** {state} {duration(impact.duration_s)} (since {utc(impact.start_ts)})")
    return lines


def _timeline(view: ReportView) -> list[str]:
    """This incident's key events, repeats folded (``core.report.timeline``); times of day in UTC."""
    rows, hidden = view.timeline_rows()
    lines = _missing(view, "monitoring")
    if rows:
        lines += [f"Times in UTC on {utc(rows[0].ts)[:10]}.", ""]
    for row in rows:
        lines.append(f"- **{clock(row.ts)}** · {row.source} · {text(row.text, 600)}")
    if hidden:
        lines.append(f"- … {hidden} more rows in the JSON export")
    return lines or ["No events recorded."]


def named(cause: Cause) -> str:
    """``**Slow database** (`db_slow`) in **postgres**``."""
    return f"**{text(cause.name)}** ({code(cause.kind)}) in **{text(cause.service)}**"


def _root_cause(view: ReportView) -> list[str]:
    """The top cause with its key evidence, any independent cause, then the competing ones in one line."""
    lines = _missing(view, "root_cause")
    if view.root_cause is None:
        return lines or ["Root-cause analysis did not run."]
    top = view.top_cause
    if top is None:
        reason = view.root_cause.no_cause_reason or view.root_cause.summary
        return [*lines, f"No root cause identified. {text(reason)}"]
    lines += [f"{named(top)}: confidence **{percent(top.confidence)}**", "", text(top.summary, 1500)]
    if view.root_cause.feedback_note:
        lines += ["", f"> {text(view.root_cause.feedback_note)}"]
    if key := view.key_evidence(KEY_EVIDENCE):
        more = len(top.evidence) - len(key)
        lines += ["", "Key evidence" + (f" ({more} more under Evidence):" if more else ":")]
        lines += [_evidence_line(e, windows=False) for e in key]
    for cause in view.independent_causes():
        lines += ["", f"At the same time, independently: {named(cause)}: confidence **{percent(cause.confidence)}**"]
        lines += ["", text(cause.summary, INDEPENDENT_SUMMARY_CHARS)]
    others = view.alternatives()
    if others:
        listed = "; ".join(f"{named(c)} ({percent(c.confidence)})" for c in others[:MAX_ALTERNATIVES])
        rest = f"; and {len(others) - MAX_ALTERNATIVES} more" if len(others) > MAX_ALTERNATIVES else ""
        lines += ["", f"Alternatives: {listed}{rest}."]
    lines += ["", "_" + CALIBRATION_NOTE + (OFFLINE_CALIBRATION_NOTE if view.header.offline else "") + "_"]
    return lines


def _evidence_line(e: Evidence, *, windows: bool = True) -> str:
    parts = [f"- **{e.kind}** · {text(e.service)}"]
    if e.metric:
        parts.append(f" · {text(e.metric)}")
    parts.append(f": {text(e.description, 1000)}")
    if e.baseline is not None and e.observed is not None and e.metric:
        observed = format_value(e.metric, e.observed)
        if observed not in e.description:  # say the numbers once
            parts.append(f" (baseline {format_value(e.metric, e.baseline)}, observed {observed})")
    if e.count is not None and f"{e.count} lines" not in e.description:
        parts.append(f" ({e.count} lines in the window, {e.baseline_count or 0} in the baseline)")
    if windows and e.window_start is not None and e.window_end is not None:
        parts.append(f" [window {utc(e.window_start)} to {utc(e.window_end)}]")
    return "".join(parts)


def _evidence(view: ReportView) -> list[str]:
    """Every cause with the evidence it cites: all of it for the leading one, the first few otherwise."""
    lines = _missing(view, "root_cause")
    if not view.causes:
        return lines or ["No evidence supports a root cause."]
    for rank, cause in enumerate(view.causes, start=1):
        shown = cause.evidence if rank == 1 else cause.evidence[:MAX_ALTERNATIVE_EVIDENCE]
        lines += [f"### {rank}. {named(cause)} ({percent(cause.confidence)})", ""]
        lines += [_evidence_line(e) for e in shown] or ["- no evidence recorded"]
        if len(shown) < len(cause.evidence):
            lines.append(f"- … {len(cause.evidence) - len(shown)} more items in the JSON export")
        lines.append("")
    return lines[:-1]


def _pattern_table(patterns: Sequence[LogPattern]) -> list[str]:
    lines = [
        "| Template | Level | Services | Window count | Baseline count | First seen | New? | Example |",
        "|---|---|---|---:|---:|---|---|---|",
    ]
    for p in patterns:
        row = (
            cell(p.template),
            cell(p.level),
            cell(", ".join(p.services)),
            str(p.count),
            str(p.baseline_count),
            utc(p.first_seen),
            "yes" if p.is_new else f"no (x{p.surge:.1f})",
            cell(p.example),
        )
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _patterns(view: ReportView) -> list[str]:
    """The first ``TOP_PATTERNS`` listed patterns with their counts, then the others the report lists."""
    lines = _missing(view, "log_analysis")
    if view.logs is None:
        return lines or ["Log analysis did not run."]
    if not view.logs.patterns:
        return [*lines, text(view.logs.summary or "No log lines in the incident window.")]
    listed = view.listed_patterns()
    lines += _pattern_table(listed[:TOP_PATTERNS])
    if rest := listed[TOP_PATTERNS:]:
        lines += ["", f"The other {len(rest)} listed patterns:", "", *_pattern_table(rest)]
    if hidden := view.hidden_patterns():
        lines.append(f"\n{hidden} more templates not shown (routine or less significant).")
    return lines


def _actions(actions: Sequence[Action], checklist: bool) -> list[str]:
    lines = []
    for a in actions:
        line = f"- {'[ ] ' if checklist else ''}**{text(a.title)}**"
        if a.detail:
            line += f": {text(a.detail)}"
        if a.command:
            line += f" {code(a.command)}"
        lines.append(line)
    return lines


def revision_line(view: ReportView) -> str | None:
    """One line on what a revised analysis changed (top cause, confidence, new evidence, new services); None
    for an incident's first analysis."""
    changes = view.changes
    if changes is None or view.revision is None:
        return None
    when = f" at {utc(view.generated_at)}" if view.generated_at is not None else ""
    head = f"Revision {view.revision}, revised{when} {REASON_TEXT.get(view.reason or '', '')}".rstrip()
    top = view.top_cause
    now = f"{text(top.kind)} on {text(top.service)}" if top else "no cause"
    if changes.top_changed:
        was = text(changes.previous_cause) if changes.previous_cause else "no cause"
        parts = [f"top cause now **{now}** (was {was})"]
    else:
        parts = [f"top cause unchanged ({now})"]
    if top and changes.previous_confidence is not None:
        parts.append(f"confidence {percent(changes.previous_confidence)} → {percent(top.confidence)}")
    if changes.new_evidence:
        parts.append("new evidence: " + "; ".join(text(e, 200) for e in changes.new_evidence))
    if changes.new_services:
        parts.append("new services: " + text(", ".join(changes.new_services)))
    return f"_{head}: {'; '.join(parts)}._"


def sections(view: ReportView) -> dict[str, list[str]]:
    """Each section's Markdown lines, in ``SECTIONS`` order (the page shows some of them on their own)."""
    immediate = view.actions.immediate if view.actions else []
    prevention = view.actions.long_term if view.actions else []
    body = {
        "Executive Summary": _summary(view),
        "Root Cause": _root_cause(view),
        "Immediate Actions": _missing(view, "mitigation") + (_actions(immediate, True) or ["No actions proposed."]),
        "Impact": _impact(view),
        "Timeline": _timeline(view),
        "Evidence": _evidence(view),
        "Log Patterns": _patterns(view),
        "Prevention": _missing(view, "mitigation") + (_actions(prevention, False) or ["No prevention items."]),
    }
    return {section: body[section] for section in SECTIONS}


def render_markdown(view: ReportView) -> str:
    """The RCA report of ``view``, every section present, ``LEAD`` first."""
    out = [f"# RCA: {text(view.header.title)}", ""]
    if revised := revision_line(view):
        out += [revised, ""]
    for section, lines in sections(view).items():
        out += [f"## {section}", "", *lines]
        out.append("")
    if view.similar:  # a report without history reads as before
        out += ["## Similar Past Incidents", "", *similar.markdown_lines(view), ""]
    return "\n".join(out).rstrip() + "\n"
