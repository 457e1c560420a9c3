"""The incident report as one self-contained HTML file: opens offline, charts embedded, every untrusted string escaped.

Untrusted text (titles, service names, log lines, LLM output, feedback) goes through ``esc`` (``html.escape``)
and only into element content or quoted attributes; chart data goes through Plotly's JSON encoder, which
writes ``<`` and ``>`` as ``\\u003c``/``\\u003e`` so no string can close the ``<script>`` it sits in.
plotly.js is inlined once (about 4.8 MB) so that the file needs no network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.offline

from core.models import (
    Action,
    AgentRun,
    Feedback,
    Incident,
    LogAnalysisOutput,
    MitigationOutput,
    MonitoringOutput,
    ReportOutput,
    RootCauseOutput,
    agent_output,
)
from core.units import percent, utc

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;
vertical-align:top}th{background:#f5f5f5}.bar{background:#eee;height:10px;width:240px;display:inline-block}
.bar>span{background:#d62728;height:10px;display:block}.meta{color:#555}.badge{border-radius:4px;padding:1px 6px;
background:#eee;margin-right:4px}code,pre{background:#f6f6f6;white-space:pre-wrap;word-break:break-all}
"""


def esc(value: object) -> str:
    """Untrusted text for HTML element content or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str = "None.") -> str:
    """A table of escaped cells (an empty table says ``empty``)."""
    if not rows:
        return f"<p class='meta'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header(incident: Incident, now: float) -> str:
    end = incident.end_time if incident.end_time is not None else now
    facts = [
        ("Severity", incident.severity),
        ("Status", incident.status),
        ("Started (UTC)", utc(incident.start_time)),
        ("Detected (UTC)", utc(incident.detected_at)),
        ("Ended (UTC)", utc(incident.end_time) if incident.end_time is not None else "ongoing"),
        ("Duration", f"{max(0.0, end - incident.start_time):.0f} s"),
        ("Services", ", ".join(incident.services) or "none identified"),
        (
            "Root cause",
            f"{incident.root_cause_kind} on {incident.root_cause_service} "
            f"({percent(incident.root_cause_confidence or 0.0)} confidence)"
            if incident.root_cause_kind
            else "not identified",
        ),
        (
            "Acknowledged",
            f"{incident.acknowledged_by} at {utc(incident.acknowledged_at)}" if incident.acknowledged_at else "no",
        ),
        ("Resolved by", incident.resolved_by or "-"),
        ("Note", incident.resolution_note or "-"),
        ("Incident id", incident.id),
    ]
    return f"<h1>RCA: {esc(incident.title)}</h1>" + _table(("Field", "Value"), facts)


def _hypotheses(root_cause: RootCauseOutput | None) -> str:
    if root_cause is None:
        return "<p class='meta'>The root-cause agent produced no output.</p>"
    if not root_cause.hypotheses:
        return f"<p>No root cause identified: {esc(root_cause.no_cause_reason or root_cause.summary)}</p>"
    parts = []
    for rank, h in enumerate(root_cause.hypotheses, start=1):
        evidence = _table(
            ("Kind", "Service", "Evidence", "Metric / template", "Baseline → observed", "Lines (baseline → window)"),
            [
                (
                    e.kind,
                    e.service,
                    e.description,
                    e.metric or e.template or "-",
                    f"{e.baseline:.4g} → {e.observed:.4g}"
                    if e.baseline is not None and e.observed is not None
                    else "-",
                    f"{e.baseline_count or 0} → {e.count}" if e.count is not None else "-",
                )
                for e in h.evidence
            ],
            empty="No evidence recorded.",
        )
        width = round(100 * h.confidence)
        parts.append(
            f"<h3>{rank}. {esc(h.kind)} on {esc(h.service)}</h3>"
            f"<p><span class='bar'><span style='width:{width}%'></span></span> {esc(percent(h.confidence))}</p>"
            f"<p>{esc(h.summary)}</p>{evidence}"
        )
    return "".join(parts)


def _patterns(log_analysis: LogAnalysisOutput | None) -> str:
    if log_analysis is None:
        return "<p class='meta'>The log-analysis agent produced no output.</p>"
    return _table(
        ("Level", "Template", "Services", "Baseline", "Window", "New", "Example line"),
        [
            (
                p.level,
                p.template,
                ", ".join(p.services),
                p.baseline_count,
                p.count,
                "yes" if p.is_new else "",
                p.example,
            )
            for p in log_analysis.patterns
        ],
    )


def _actions(mitigation: MitigationOutput | None) -> str:
    if mitigation is None:
        return "<p class='meta'>The mitigation agent produced no output.</p>"

    def items(actions: Sequence[Action], checkbox: bool) -> str:
        if not actions:
            return "<p class='meta'>None.</p>"
        box = "<input type='checkbox'> " if checkbox else ""
        rows = "".join(
            f"<li>{box}<b>{esc(a.title)}</b> {esc(a.detail)}"
            + (f"<br><code>{esc(a.command)}</code>" if a.command else "")
            + "</li>"
            for a in actions
        )
        return f"<ul>{rows}</ul>"

    return (
        "<h3>Immediate actions</h3>"
        + items(mitigation.immediate, True)
        + "<h3>Prevention</h3>"
        + items(mitigation.long_term, False)
    )


def _timeline(incident: Incident, monitoring: MonitoringOutput | None) -> str:
    rows = [(s.ts, "detection", s.service, s.message) for s in incident.signals]
    if monitoring is not None:
        rows += [(e.ts, e.source, e.service or "-", e.description) for e in monitoring.timeline]
    rows.sort(key=lambda row: row[0])
    return _table(("Time (UTC)", "Source", "Service", "Event"), [(utc(ts), *rest) for ts, *rest in rows])


def _runs(runs: Sequence[AgentRun]) -> str:
    return _table(
        ("Agent", "Status", "Latency (ms)", "Model", "Tokens (in/out)", "Error"),
        [
            (
                r.agent_name,
                r.status,
                f"{r.latency_ms:.1f}",
                r.model or "deterministic",
                f"{r.prompt_tokens}/{r.completion_tokens}" if r.model else "-",
                r.error or "",
            )
            for r in runs
        ],
    )


def _feedback(feedback: Sequence[Feedback]) -> str:
    return _table(
        ("When (UTC)", "Verdict", "Actual cause", "By", "Note"),
        [(utc(f.created_at), f.verdict, f.actual_cause, f.by, f.note) for f in feedback],
    )


def _charts(figures: Sequence[go.Figure]) -> str:
    if not figures:
        return "<p class='meta'>No metric samples were stored for this incident's window.</p>"
    return "".join(f.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}) for f in figures)


def render_html(
    incident: Incident,
    runs: Sequence[AgentRun],
    *,
    figures: Sequence[go.Figure] = (),
    feedback: Sequence[Feedback] = (),
    now: float,
) -> str:
    """The whole report for one incident (``runs``: its latest analysis) as a self-contained HTML page."""
    monitoring = agent_output(runs, "monitoring", MonitoringOutput)
    root_cause = agent_output(runs, "root_cause", RootCauseOutput)
    reporter = agent_output(runs, "reporter", ReportOutput)
    summary = (reporter.summary if reporter else "") or (root_cause.summary if root_cause else "")
    sections = [
        ("Executive summary", f"<p>{esc(summary or 'No summary: the analysis has not finished.')}</p>"),
        ("Charts", _charts(figures)),
        ("Hypotheses", _hypotheses(root_cause)),
        ("Log patterns", _patterns(agent_output(runs, "log_analysis", LogAnalysisOutput))),
        ("Mitigation", _actions(agent_output(runs, "mitigation", MitigationOutput))),
        ("Timeline", _timeline(incident, monitoring)),
        ("Agent runs", _runs(runs)),
        ("Feedback on the RCA", _feedback(feedback)),
    ]
    body = _header(incident, now) + "".join(f"<h2>{esc(title)}</h2>{content}" for title, content in sections)
    script = f"<script>{plotly.offline.get_plotlyjs()}</script>" if figures else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>RCA: {esc(incident.title)}</title><style>{STYLE}</style>{script}</head>"
        f"<body>{body}<p class='meta'>Generated {esc(utc(now))} by the incident-response tool.</p></body></html>"
    )
