"""The incident report as one self-contained HTML file: opens offline, charts embedded, every untrusted string escaped.

Untrusted text (titles, service names, log lines, LLM output, feedback) goes through ``html_text`` and only into
element content or quoted attributes; chart data goes through Plotly's JSON encoder, which writes ``<`` and
``>`` as ``\\u003c``/``\\u003e`` so no string can close the ``<script>`` it sits in. plotly.js is inlined once
(about 4.8 MB) so that the file needs no network. Patterns and timeline rows are the ones the Markdown lists.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.offline

from core.models import Action, AgentRun, Feedback
from core.report.escape import html_text as esc
from core.report.view import ReportView
from core.units import percent, utc

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;
vertical-align:top}th{background:#f5f5f5}.bar{background:#eee;height:10px;width:240px;display:inline-block}
.bar>span{background:#d62728;height:10px;display:block}.meta{color:#555}.badge{border-radius:4px;padding:1px 6px;
background:#eee;margin-right:4px}code,pre{background:#f6f6f6;white-space:pre-wrap;word-break:break-all}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str = "None.") -> str:
    """A table of escaped cells (an empty table says ``empty``)."""
    if not rows:
        return f"<p class='meta'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _missing(view: ReportView, agent: str, label: str) -> str:
    gap = view.gap(agent)
    why = f" ({gap.reason})" if gap else ""
    return f"<p class='meta'>The {esc(label)} agent produced no output{esc(why)}.</p>"


def _header(view: ReportView, now: float) -> str:
    h, top = view.header, view.top_cause
    facts = [
        ("Severity", h.severity),
        ("Status", h.status),
        ("Started (UTC)", utc(h.start_time)),
        ("Detected (UTC)", utc(h.detected_at)),
        ("Ended (UTC)", utc(h.end_time) if h.end_time is not None else "ongoing"),
        ("Duration", f"{h.duration_s(now):.0f} s"),
        ("Services", ", ".join(h.services) or "none identified"),
        (
            "Root cause",
            f"{top.kind} on {top.service} ({percent(top.confidence)} confidence)" if top else "not identified",
        ),
        ("Acknowledged", f"{h.acknowledged_by} at {utc(h.acknowledged_at)}" if h.acknowledged_at else "no"),
        ("Resolved by", h.resolved_by or "-"),
        ("Note", h.resolution_note or "-"),
        ("Incident id", h.incident_id),
    ]
    return f"<h1>RCA: {esc(h.title)}</h1>" + _table(("Field", "Value"), facts)


def _hypotheses(view: ReportView) -> str:
    if view.root_cause is None:
        return _missing(view, "root_cause", "root-cause")
    if not view.causes:
        return f"<p>No root cause identified: {esc(view.root_cause.no_cause_reason or view.root_cause.summary)}</p>"
    parts = []
    for rank, cause in enumerate(view.causes, start=1):
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
                for e in cause.evidence
            ],
            empty="No evidence recorded.",
        )
        width = round(100 * cause.confidence)
        parts.append(
            f"<h3>{rank}. {esc(cause.kind)} on {esc(cause.service)}</h3>"
            f"<p><span class='bar'><span style='width:{width}%'></span></span> {esc(percent(cause.confidence))}</p>"
            f"<p>{esc(cause.summary)}</p>{evidence}"
        )
    return "".join(parts)


def _patterns(view: ReportView) -> str:
    if view.logs is None:
        return _missing(view, "log_analysis", "log-analysis")
    table = _table(
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
            for p in view.listed_patterns()
        ],
    )
    hidden = view.hidden_patterns()
    more = f"<p class='meta'>{hidden} more templates not shown (routine or less significant).</p>" if hidden else ""
    return table + more


def _items(actions: Sequence[Action], checkbox: bool) -> str:
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


def _actions(view: ReportView) -> str:
    if view.actions is None:
        return _missing(view, "mitigation", "mitigation")
    return (
        "<h3>Immediate actions</h3>"
        + _items(view.actions.immediate, True)
        + "<h3>Prevention</h3>"
        + _items(view.actions.long_term, False)
    )


def _timeline(view: ReportView) -> str:
    rows, hidden = view.timeline_rows()
    table = _table(
        ("Time (UTC)", "Source", "Service", "Event"),
        [(utc(r.ts), r.source, r.service or "-", "; ".join(r.descriptions)) for r in rows],
    )
    return table + (f"<p class='meta'>… {hidden} more rows.</p>" if hidden else "")


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
    view: ReportView,
    *,
    runs: Sequence[AgentRun] = (),
    figures: Sequence[go.Figure] = (),
    feedback: Sequence[Feedback] = (),
    now: float,
) -> str:
    """The whole report of ``view`` as a self-contained HTML page, with the ``runs`` of its analysis, the
    ``figures`` of its window and the ``feedback`` on it; ``now`` (Unix seconds) ends an open incident."""
    sections = [
        ("Executive summary", f"<p>{esc(view.summary or 'No summary: the analysis has not finished.')}</p>"),
        ("Charts", _charts(figures)),
        ("Hypotheses", _hypotheses(view)),
        ("Log patterns", _patterns(view)),
        ("Mitigation", _actions(view)),
        ("Timeline", _timeline(view)),
        ("Agent runs", _runs(runs)),
        ("Feedback on the RCA", _feedback(feedback)),
    ]
    body = _header(view, now) + "".join(f"<h2>{esc(title)}</h2>{content}" for title, content in sections)
    script = f"<script>{plotly.offline.get_plotlyjs()}</script>" if figures else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>RCA: {esc(view.header.title)}</title><style>{STYLE}</style>{script}</head>"
        f"<body>{body}<p class='meta'>Generated {esc(utc(now))} by the incident-response tool.</p></body></html>"
    )
