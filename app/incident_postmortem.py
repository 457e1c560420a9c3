"""The incident page's postmortem editor: the newest saved version (or the tool's draft), every section editable,
action items as an editable table, Save as a new version, the history of versions, Markdown and HTML downloads.

Nothing typed is lost: the edits are copied into session state at every run (``inc_pm_edits_<id>``), so a save
refused for a rule, a trip to another page or a rerun gives them back. Widget keys carry the version they edit,
so a save starts the editor afresh on the version just stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from app import data
from app.components import show_error
from app.formatting import fmt_ts, md_escape
from core.errors import IncidentToolError, InvalidInputError
from core.memory import recall
from core.memory.postmortem import SECTIONS, UNASSIGNED, ActionItem, Postmortem
from core.memory.postmortem_export import postmortem_html, postmortem_markdown
from core.models import Incident

if TYPE_CHECKING:
    from core.runtime import Runtime

#: The text sections (every section but the action items), in reading order.
TEXT_SECTIONS = tuple((name, heading) for name, heading in SECTIONS if name != "action_items")
#: Lines of a text area before it scrolls (a section longer than this scrolls inside its box).
MAX_AREA_LINES = 14
ACTION_COLUMNS = ("title", "owner")


def _edits(incident_id: str, base: Postmortem) -> dict[str, Any]:
    """The unsaved edits of this incident's postmortem (kept in session state): what differs from the version
    they were made on."""
    edits = st.session_state.setdefault(f"inc_pm_edits_{incident_id}", {"version": base.version, "fields": {}})
    if edits["fields"] and edits["version"] != base.version:
        st.warning(
            f"Version {base.version} was saved by {md_escape(base.edited_by or '?')} while you edited. Your unsaved "
            "edits are kept below, on top of it: saving stores them as the next version.",
            icon=":material/warning:",
        )
    edits["version"] = base.version
    return edits


def _keep(fields: dict[str, Any], name: str, value: object, stored: object) -> None:
    """Remember ``value`` as an edit of ``name`` while it differs from the ``stored`` one."""
    if value != stored:
        fields[name] = value
    else:
        fields.pop(name, None)


def _seeded(key: str, value: object) -> str:
    """``key``, with its widget state seeded with ``value`` when the widget is not alive (first run, back from
    another page): the widget then shows the edit instead of the stored text."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _action_rows(items: list[ActionItem]) -> list[dict[str, str]]:
    return [{"title": a.title, "owner": a.owner} for a in items]


def _edited_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The data editor's rows as plain strings (a new row's empty cells come back as None or NaN)."""
    cells = frame.reindex(columns=list(ACTION_COLUMNS)).astype(object)
    rows = cells.where(cells.notna(), "").to_dict("records")
    return [{column: str(row.get(column) or "").strip() for column in ACTION_COLUMNS} for row in rows]


def action_items_editor(prefix: str, base: Postmortem, fields: dict[str, Any]) -> None:
    """Action items as a table the team edits (add and delete rows); the rows edited so far go into ``fields``."""
    rows_key = f"{prefix}_action_rows"
    if f"{prefix}_actions" not in st.session_state:  # a fresh editor starts from the edits kept, else the version
        st.session_state[rows_key] = fields.get("action_items", _action_rows(base.action_items))
    edited = st.data_editor(
        pd.DataFrame(st.session_state[rows_key], columns=list(ACTION_COLUMNS)),
        key=f"{prefix}_actions",
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "title": st.column_config.TextColumn("Action", width="large", max_chars=500),
            "owner": st.column_config.TextColumn("Owner", default=UNASSIGNED, max_chars=100),
        },
    )
    _keep(fields, "action_items", _edited_rows(edited), _action_rows(base.action_items))


def _edited_postmortem(base: Postmortem, fields: dict[str, Any]) -> Postmortem:
    """``base`` with the edited title, sections and action items (rows without a title or owner dropped)."""
    rows = fields.get("action_items", _action_rows(base.action_items))
    items = [ActionItem(title=r["title"], owner=r["owner"]) for r in rows if any(r.values())]
    texts = {name: fields.get(name, getattr(base, name)) for name, _ in TEXT_SECTIONS}
    return base.model_copy(update={**texts, "title": fields.get("title", base.title), "action_items": items})


def editor(incident: Incident, base: Postmortem, fields: dict[str, Any]) -> None:
    """The title, every text section and the action items, editable; what is typed is copied into ``fields``."""
    prefix = f"inc_pm_{incident.id}_v{base.version}"
    title = st.text_input("Title", key=_seeded(f"{prefix}_title", fields.get("title", base.title)), max_chars=500)
    _keep(fields, "title", title, base.title)
    for name, heading in TEXT_SECTIONS:
        value, stored = fields.get(name, getattr(base, name)), getattr(base, name)
        lines = min(MAX_AREA_LINES, max(3, stored.count("\n") + 2, len(stored) // 90 + 2))  # stable per version
        typed = st.text_area(heading, key=_seeded(f"{prefix}_{name}", value), height=lines * 24 + 16)
        _keep(fields, name, typed or "", stored)
    st.markdown("**Action items**")
    action_items_editor(prefix, base, fields)


def save(runtime: Runtime, incident: Incident, base: Postmortem, edits: dict[str, Any], who: str) -> None:
    """Store the edits as the next version; on a rule broken, say which and keep every edit."""
    try:
        saved = recall.save_postmortem(
            runtime.store, _edited_postmortem(base, edits["fields"]), by=who, at=runtime.clock.now()
        )
    except InvalidInputError as exc:
        st.error(
            f"{md_escape(str(exc))}\n\n**What to do:** correct it and press **Save** again; your edits are kept.",
            icon=":material/error:",
        )
        return
    except IncidentToolError as exc:
        show_error(exc, "save the postmortem (your edits are kept)")
        return
    st.session_state.pop(f"inc_pm_edits_{incident.id}", None)
    data.postmortem_versions.clear()
    st.session_state["inc_pm_flash"] = f"Postmortem saved as version {saved.version} by {saved.edited_by}."
    st.rerun()


def downloads(pm: Postmortem) -> None:
    """The shown version (the newest saved, or the draft) as Markdown and as one HTML page."""
    shown = recall.redacted(pm)
    name = f"postmortem-{pm.incident_id[:8]}-v{pm.version}"
    formats = (("md", "text/markdown", postmortem_markdown), ("html", "text/html", postmortem_html))
    for column, (ext, mime, render) in zip(st.columns(len(formats)), formats, strict=True):
        column.download_button(
            f"Postmortem (.{ext})",
            data=render(shown),
            file_name=f"{name}.{ext}",
            mime=mime,
            key=f"inc_pm_download_{ext}",
            icon=":material/download:",
            on_click="ignore",
        )


def history(versions: list[Postmortem]) -> None:
    """Every saved version (version, who, when); an earlier one shown as Markdown on request."""
    with st.expander(f"History ({len(versions)} saved version(s))", expanded=False, key="inc_pm_history"):
        if not versions:
            st.caption("Not saved yet: the editor shows the tool's draft.")
            return
        st.dataframe(
            [{"Version": v.version, "Edited by": v.edited_by, "When (UTC)": fmt_ts(v.edited_at)} for v in versions],
            hide_index=True,
        )
        numbers = [v.version for v in versions]
        chosen = st.selectbox("Show version", numbers, index=0, key="inc_pm_history_version")
        shown = next(v for v in versions if v.version == chosen)
        st.code(postmortem_markdown(shown), language="markdown", wrap_lines=True)


def status_line(base: Postmortem) -> None:
    if base.version == 0:
        st.caption("Draft written by the tool from the report, not saved yet: edit it and press **Save**.")
    else:
        st.caption(f"Version {base.version}, saved by {md_escape(base.edited_by or '?')} at {fmt_ts(base.edited_at)}.")
    if missing := base.missing():
        st.caption(f"Empty: {', '.join(missing)}.")


def postmortem_section(runtime: Runtime, incident: Incident) -> None:
    """The editor, Save (with who), the history and the downloads of this incident's postmortem."""
    try:
        versions = data.postmortem_versions(runtime, data.db_key(runtime), incident.id)
        base = versions[0] if versions else recall.postmortem(runtime.store, incident.id)
    except IncidentToolError as exc:
        show_error(exc, "load the postmortem")
        return
    if flash := st.session_state.pop("inc_pm_flash", None):
        st.success(md_escape(flash), icon=":material/check:")
    status_line(base)
    edits = _edits(incident.id, base)
    editor(incident, base, edits["fields"])
    who_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
    who = who_col.text_input("Who", key="inc_pm_who", placeholder="your name or handle")
    if save_col.button("Save", key="inc_pm_save", icon=":material/save:", type="primary"):
        save(runtime, incident, base, edits, who)
    downloads(base)
    history(versions)
