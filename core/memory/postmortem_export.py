"""A postmortem as a Markdown or a self-contained HTML document (every piece of text escaped)."""

from __future__ import annotations

from core.memory.postmortem import SECTIONS, Postmortem
from core.report.escape import html_text as esc
from core.report.escape import markdown_cell as cell
from core.report.escape import markdown_text as text
from core.units import utc


def _edited(pm: Postmortem) -> str:
    if pm.version == 0 or pm.edited_at is None:
        return "Draft written by the tool, not yet edited."
    return f"Version {pm.version}, edited by {pm.edited_by} at {utc(pm.edited_at)}."


def postmortem_markdown(pm: Postmortem) -> str:
    """The postmortem in Markdown: the sections in ``SECTIONS`` order, action items as a table with owners."""
    out = [f"# {text(pm.title)}", "", f"_{text(_edited(pm))}_", ""]
    for name, heading in SECTIONS:
        out += [f"## {heading}", ""]
        if name == "action_items":
            out += ["| Action | Owner |", "|---|---|"] + [
                f"| {cell(a.title)} | {cell(a.owner)} |" for a in pm.action_items
            ]
        else:
            out += [getattr(pm, name)]  # written by the team or the tool in Markdown: kept as Markdown
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def postmortem_html(pm: Postmortem) -> str:
    """The postmortem as one HTML page; section text is shown as preformatted, escaped text."""
    parts = [f"<h1>{esc(pm.title)}</h1><p><i>{esc(_edited(pm))}</i></p>"]
    for name, heading in SECTIONS:
        parts.append(f"<h2>{esc(heading)}</h2>")
        if name == "action_items":
            rows = "".join(f"<tr><td>{esc(a.title)}</td><td>{esc(a.owner)}</td></tr>" for a in pm.action_items)
            parts.append(f"<table><tr><th>Action</th><th>Owner</th></tr>{rows}</table>")
        else:
            parts.append(f"<div style='white-space:pre-wrap'>{esc(getattr(pm, name))}</div>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(pm.title)}</title></head><body>{''.join(parts)}</body></html>"
    )
