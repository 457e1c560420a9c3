"""The RCA report in Markdown. Pure rendering: every piece of untrusted text is escaped, no raw HTML comes out.

Sections, in order: title, Executive Summary, Impact, Timeline, Root Cause, Evidence, Log Patterns,
Immediate Actions, Prevention. A missing or failed agent output yields a blockquote saying which part is
missing and why, never an exception. Value formatting lives in ``core.units``, shared with the agents' descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.catalogue import Signature, signature_for
from core.log_patterns import is_surging
from core.models import (
    ERROR_RATE,
    LATENCY_P95_MS,
    MEMORY_MB,
    Action,
    Evidence,
    Hypothesis,
    Incident,
    LogAnalysisOutput,
    MitigationOutput,
    MonitoringOutput,
    RootCauseOutput,
    TimelineEvent,
)
from core.units import format_value, percent, utc

SECTIONS = (
    "Executive Summary",
    "Impact",
    "Timeline",
    "Root Cause",
    "Evidence",
    "Log Patterns",
    "Immediate Actions",
    "Prevention",
)
MAX_TIMELINE_ROWS = 30
MAX_ALTERNATIVE_EVIDENCE = 4
MAX_PATTERN_ROWS = 15
ROUTINE_PATTERN_ROWS = 5
MAX_CELL_CHARS = 300

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKDOWN = re.compile(r"([\\`*_\[\]|~#!])")
_NEWLINES = re.compile(r"[\r\n\t\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]+")  # line breaks and control characters
AGENT_LABELS = {
    "monitoring": "Monitoring",
    "log_analysis": "Log analysis",
    "root_cause": "Root-cause analysis",
    "mitigation": "Mitigation",
}


def text(value: object, limit: int | None = None) -> str:
    """Untrusted text for inline Markdown: one line, HTML characters and Markdown syntax escaped."""
    raw = _NEWLINES.sub(" ", str(value))
    if limit is not None and len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return _MARKDOWN.sub(r"\\\1", raw.translate(_HTML))


def cell(value: object) -> str:
    """Untrusted text for a Markdown table cell (pipes escaped, one line, at most ``MAX_CELL_CHARS``)."""
    return text(value, MAX_CELL_CHARS) or " "


def code(value: object) -> str:
    """A command as inline code; backticks and newlines cannot break out of it."""
    raw = _NEWLINES.sub(" ", str(value)).replace("`", "'")
    return f"`{raw}`"


@dataclass(frozen=True)
class Impact:
    """What the incident did so far: affected services, peaks against thresholds, duration in seconds."""

    services: list[str]
    start_ts: float
    end_ts: float
    resolved: bool
    peaks: dict[str, tuple[str, float]] = field(default_factory=dict)  # metric -> (service, peak value)
    thresholds: dict[str, float] = field(default_factory=dict)  # metric -> threshold

    @property
    def duration_s(self) -> float:
        """Seconds from the first signal to the end (or to now while open)."""
        return max(0.0, self.end_ts - self.start_ts)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else (f"{minutes} min {secs} s" if minutes else f"{secs} s")


def _missing(name: str, gaps: Mapping[str, str]) -> list[str]:
    if name not in gaps:
        return []
    return [f"> {AGENT_LABELS.get(name, name)} {text(gaps[name])}. This report is partial.", ""]


def _summary(
    incident: Incident,
    root_cause: RootCauseOutput | None,
    mitigation: MitigationOutput | None,
    impact: Impact,
    gaps: Mapping[str, str],
) -> list[str]:
    affected = text(", ".join(impact.services) or "no service identified")
    if incident.offline:
        opening = (
            f"Offline analysis of a {_duration(impact.duration_s)} window from {utc(impact.start_ts)} to "
            f"{utc(impact.end_ts)}, in which these services left their baseline: {affected}."
        )
    else:
        opening = (
            f"{text(incident.severity)} incident, {'resolved' if impact.resolved else 'open'} for "
            f"{_duration(impact.duration_s)} since {utc(impact.start_ts)}, affecting {affected}."
        )
    lines = [opening]
    if root_cause and root_cause.hypotheses:
        top = root_cause.hypotheses[0]
        lines[0] += (
            f" Most likely root cause: **{text(top.kind)}** in **{text(top.service)}** "
            f"({percent(top.confidence)} confidence)."
        )
    elif root_cause:
        lines[0] += f" No root cause identified: {text(root_cause.no_cause_reason or root_cause.summary)}"
    if mitigation and mitigation.immediate:
        lines[0] += f" First action: {text(mitigation.immediate[0].title)}."
    if gaps:
        missing = "; ".join(f"{AGENT_LABELS.get(k, k).lower()} ({text(v)})" for k, v in gaps.items())
        lines += ["", f"> This report is partial: missing {missing}."]
    return lines


def _impact(impact: Impact, gaps: Mapping[str, str], *, offline: bool = False) -> list[str]:
    lines = _missing("monitoring", gaps)
    lines.append(f"- **Services affected:** {text(', '.join(impact.services) or 'none identified')}")
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
    if offline:
        span = f"{utc(impact.start_ts)} to {utc(impact.end_ts)}"
        lines.append(f"- **Window analysed:** {_duration(impact.duration_s)} ({span})")
    else:
        state = "resolved after" if impact.resolved else "ongoing for"
        lines.append(f"- **Duration:** {state} {_duration(impact.duration_s)} (since {utc(impact.start_ts)})")
    return lines


def _timeline(events: Sequence[TimelineEvent], gaps: Mapping[str, str]) -> list[str]:
    """One row per (second, source, service): simultaneous events of one service share a row."""
    rows: dict[tuple[str, str, str], list[str]] = {}
    for e in sorted(events, key=lambda e: e.ts):
        rows.setdefault((utc(e.ts), e.source, e.service or ""), []).append(text(e.description, 400))
    lines = _missing("monitoring", gaps)
    for (when, source, _), texts in list(rows.items())[:MAX_TIMELINE_ROWS]:
        lines.append(f"- **{when}** · {source} · {'; '.join(texts)}")
    if len(rows) > MAX_TIMELINE_ROWS:
        lines.append(f"- … {len(rows) - MAX_TIMELINE_ROWS} more rows")
    return lines or ["No events recorded."]


def _named(h: Hypothesis, signatures: Mapping[str, Signature]) -> str:
    signature = signatures.get(h.kind) or signature_for(h.kind)
    label = signature.label if signature else h.kind
    return f"**{text(label[:1].upper() + label[1:])}** ({code(h.kind)}) in **{text(h.service)}**"


def _root_cause(
    root_cause: RootCauseOutput | None,
    gaps: Mapping[str, str],
    signatures: Mapping[str, Signature],
    *,
    offline: bool = False,
) -> list[str]:
    lines = _missing("root_cause", gaps)
    if root_cause is None:
        return lines or ["Root-cause analysis did not run."]
    if not root_cause.hypotheses:
        return [*lines, f"No root cause identified. {text(root_cause.no_cause_reason or root_cause.summary)}"]
    top = root_cause.hypotheses[0]
    also = [h for h in root_cause.hypotheses[1:] if h.group != top.group and h.confidence >= 0.2]
    others = [h for h in root_cause.hypotheses[1:] if h not in also]
    lines += [f"{_named(top, signatures)}: confidence **{percent(top.confidence)}**", "", text(top.summary, 1500)]
    for h in also:
        named = _named(h, signatures)
        lines += ["", f"At the same time, independently: {named}: confidence **{percent(h.confidence)}**"]
        lines += ["", text(h.summary, 1000)]
    lines += [
        "",
        "Confidence is the calibrated probability that a cause is right: of the causes stated at about 80%, about "
        "80% were right on the RCA benchmark. Causes that compete for the same symptoms share it; an independent "
        "cause (a second fault at the same time) has its own.",
    ]
    if offline:  # someone else's data, kinds named by resource
        lines[-1] += (
            " The calibration was fitted on the demo shop: on data from another system, read these confidences "
            "as a ranking with a rough size rather than as exact probabilities."
        )
    if others:
        lines += ["", "Alternatives:"]
        lines += [f"- {_named(h, signatures)} ({percent(h.confidence)})" for h in others]
    return lines


def _evidence_line(e: Evidence) -> str:
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
    if e.window_start is not None and e.window_end is not None:
        parts.append(f" [window {utc(e.window_start)} to {utc(e.window_end)}]")
    return "".join(parts)


def _evidence(
    root_cause: RootCauseOutput | None, gaps: Mapping[str, str], signatures: Mapping[str, Signature]
) -> list[str]:
    """Every hypothesis with the evidence it cites: all of it for the leading one, the first few otherwise."""
    lines = _missing("root_cause", gaps)
    if root_cause is None or not root_cause.hypotheses:
        return lines or ["No evidence supports a root cause."]
    for rank, h in enumerate(root_cause.hypotheses, start=1):
        shown = h.evidence if rank == 1 else h.evidence[:MAX_ALTERNATIVE_EVIDENCE]
        lines += [f"### {rank}. {_named(h, signatures)} ({percent(h.confidence)})", ""]
        lines += [_evidence_line(e) for e in shown] or ["- no evidence recorded"]
        if len(shown) < len(h.evidence):
            lines.append(f"- … {len(h.evidence) - len(shown)} more items in the JSON export")
        lines.append("")
    return lines[:-1]


def _patterns(log_analysis: LogAnalysisOutput | None, gaps: Mapping[str, str]) -> list[str]:
    lines = _missing("log_analysis", gaps)
    if log_analysis is None:
        return lines or ["Log analysis did not run."]
    if not log_analysis.patterns:
        return [*lines, text(log_analysis.summary or "No log lines in the incident window.")]
    # Error/warning and new or surging templates; routine ones only when nothing else stands out.
    notable = [p for p in log_analysis.patterns if p.level in ("ERROR", "WARN") or is_surging(p)]
    shown = (notable or log_analysis.patterns[:ROUTINE_PATTERN_ROWS])[:MAX_PATTERN_ROWS]
    lines += [
        "| Template | Level | Services | Window count | Baseline count | First seen | New? | Example |",
        "|---|---|---|---:|---:|---|---|---|",
    ]
    for p in shown:
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
    if len(log_analysis.patterns) > len(shown):
        hidden = len(log_analysis.patterns) - len(shown)
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


def render_markdown(
    incident: Incident,
    impact: Impact,
    *,
    monitoring: MonitoringOutput | None,
    log_analysis: LogAnalysisOutput | None,
    root_cause: RootCauseOutput | None,
    mitigation: MitigationOutput | None,
    timeline: Sequence[TimelineEvent] = (),
    gaps: Mapping[str, str] | None = None,
    signatures: Mapping[str, Signature] | None = None,
) -> str:
    """The RCA report; ``gaps`` maps an agent name to why its output is missing (the report says so), and
    ``signatures`` names the fault kinds that the registered catalogue does not (offline analysis)."""
    signatures = signatures or {}
    gaps = dict(gaps or {})
    events = list(timeline) or (monitoring.timeline if monitoring else [])
    immediate = mitigation.immediate if mitigation else []
    prevention = mitigation.long_term if mitigation else []
    body = {
        "Executive Summary": _summary(incident, root_cause, mitigation, impact, gaps),
        "Impact": _impact(impact, gaps, offline=incident.offline),
        "Timeline": _timeline(events, gaps),
        "Root Cause": _root_cause(root_cause, gaps, signatures, offline=incident.offline),
        "Evidence": _evidence(root_cause, gaps, signatures),
        "Log Patterns": _patterns(log_analysis, gaps),
        "Immediate Actions": _missing("mitigation", gaps) + (_actions(immediate, True) or ["No actions proposed."]),
        "Prevention": _missing("mitigation", gaps) + (_actions(prevention, False) or ["No prevention items."]),
    }
    out = [f"# RCA: {text(incident.title)}", ""]
    for section in SECTIONS:
        out += [f"## {section}", "", *body[section], ""]
    return "\n".join(out).rstrip() + "\n"
