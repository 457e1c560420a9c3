"""The incident report as one self-contained HTML file: opens offline, charts embedded, every untrusted string escaped.

Untrusted text (titles, service names, log lines, LLM output, feedback) goes through ``html_text`` and only into
element content or quoted attributes; chart data goes through Plotly's JSON encoder, which writes ``<`` and
``>`` as ``\\u003c``/``\\u003e`` so no string can close the ``<script>`` it sits in. plotly.js is inlined once
(about 4.8 MB) so that the file needs no network. Patterns and timeline rows are the ones the Markdown lists.

Like the Markdown it reads in one screen: the summary with both detection delays, the root cause with its key
evidence and the immediate actions come first; the charts, log patterns (the top few, then the rest), timeline,
every hypothesis with all its evidence, prevention, the incident's facts, agent runs and feedback follow.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.offline

from core.models import Action, AgentRun, Feedback, LogPattern
from core.report import similar
from core.report.escape import html_text as esc
from core.report.markdown import KEY_EVIDENCE, MAX_ALTERNATIVES, TOP_PATTERNS
from core.report.timeline import clock
from core.report.view import Cause, ReportView
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


def _facts(view: ReportView, now: float) -> str:
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
    return _table(("Field", "Value"), facts)


def _title(view: ReportView, now: float) -> str:
    h = view.header
    state = "ongoing" if h.end_time is None else f"ended {utc(h.end_time)}"
    meta = f"{h.severity} · {h.status} · started {utc(h.start_time)} · {h.duration_s(now):.0f} s, {state}"
    return f"<h1>RCA: {esc(h.title)}</h1><p class='meta'>{esc(meta)} · {esc(', '.join(h.services) or '-')}</p>"


def _summary(view: ReportView) -> str:
    if view.status is None and not view.causes:
        return "<p>No summary: the analysis has not finished.</p>"
    top, parts = view.top_cause, [view.summary] if view.summary else []
    if top is not None:
        parts = [f"Most likely root cause: {top.kind} in {top.service} ({percent(top.confidence)} confidence)."]
    if view.first_action is not None:
        parts.append(f"First action: {view.first_action.title}.")
    if view.detection is not None and not view.header.offline:
        parts.append(view.detection.sentence())
    return f"<p>{esc(' '.join(parts))}</p>"


def _named(cause: Cause) -> str:
    return f"{esc(cause.kind)} on {esc(cause.service)}"


def _root_cause(view: ReportView) -> str:
    """The top cause, its confidence and key evidence, any independent cause, and the competing ones in a line."""
    top = view.top_cause
    if top is None:
        return _hypotheses(view)
    width = round(100 * top.confidence)
    key = _table(
        ("Kind", "Service", "Evidence"),
        [(e.kind, e.service, e.description) for e in view.key_evidence(KEY_EVIDENCE)],
        empty="No evidence recorded.",
    )
    parts = [
        f"<p><b>{_named(top)}</b> <span class='bar'><span style='width:{width}%'></span></span> "
        f"{esc(percent(top.confidence))}</p><p>{esc(top.summary)}</p>{key}"
    ]
    if note := similar.feedback_note(view):
        parts.append(f"<p class='meta'><b>{esc(note)}</b></p>")
    parts += [
        f"<p>At the same time, independently: <b>{_named(c)}</b> ({esc(percent(c.confidence))}). {esc(c.summary)}</p>"
        for c in view.independent_causes()
    ]
    if others := view.alternatives():
        listed = "; ".join(f"{_named(c)} ({esc(percent(c.confidence))})" for c in others[:MAX_ALTERNATIVES])
        parts.append(f"<p class='meta'>Alternatives: {listed}.</p>")
    return "".join(parts)


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


def _pattern_table(patterns: Sequence[LogPattern]) -> str:
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
            for p in patterns
        ],
    )


def _patterns(view: ReportView) -> str:
    """The first ``TOP_PATTERNS`` listed patterns, then the others the report lists."""
    if view.logs is None:
        return _missing(view, "log_analysis", "log-analysis")
    listed = view.listed_patterns()
    html = _pattern_table(listed[:TOP_PATTERNS])
    if rest := listed[TOP_PATTERNS:]:
        html += f"<h3>The other {len(rest)} listed patterns</h3>" + _pattern_table(rest)
    hidden = view.hidden_patterns()
    more = f"<p class='meta'>{hidden} more templates not shown (routine or less significant).</p>" if hidden else ""
    return html + more


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


def _actions(view: ReportView, immediate: bool) -> str:
    if view.actions is None:
        return _missing(view, "mitigation", "mitigation")
    return _items(view.actions.immediate if immediate else view.actions.long_term, immediate)


def _timeline(view: ReportView) -> str:
    rows, hidden = view.timeline_rows()
    table = _table(
        ("Time (UTC)", "Source", "Service", "Event"),
        [(clock(r.ts), r.source, r.service or "-", r.text) for r in rows],
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
        ("Executive summary", _summary(view)),
        ("Root cause", _root_cause(view)),
        ("Immediate actions", _actions(view, immediate=True)),
        ("Charts", _charts(figures)),
        ("Log patterns", _patterns(view)),
        ("Timeline", _timeline(view)),
        ("Hypotheses", _hypotheses(view)),
        ("Prevention", _actions(view, immediate=False)),
        ("Incident facts", _facts(view, now)),
        ("Agent runs", _runs(runs)),
        ("Feedback on the RCA", _feedback(feedback)),
    ]
    if view.similar:  # a report without history reads as before
        sections.append(("Similar past incidents", similar.html_section(view)))
    body = _title(view, now) + "".join(f"<h2>{esc(title)}</h2>{content}" for title, content in sections)
    script = f"<script>{plotly.offline.get_plotlyjs()}</script>" if figures else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>RCA: {esc(view.header.title)}</title><style>{STYLE}</style>{script}</head>"
        f"<body>{body}<p class='meta'>Generated {esc(utc(now))} by the incident-response tool.</p></body></html>"
    )
