"""Untrusted text (log lines, service names, titles, LLM output, feedback) made inert for each place it goes.

One module for every output of the project, in ``core`` and in ``app``; each function states the syntax of
its target and escapes all of it:

- ``markdown_text``: inline Markdown as CommonMark and GitHub render it (the RCA report, its exports). The
  text becomes one line; ``&``, ``<`` and ``>`` become entities (no raw HTML, no entity, no ``<autolink>``, no
  blockquote, even in renderers that ignore backslash escapes); every character that opens inline syntax gets a
  backslash: the backslash itself, the backtick (code), ``*`` ``_`` emphasis, ``~`` strike-through, ``[`` ``]``
  links and images, ``!``, ``|`` table cells, ``#``. A list, heading-underline or thematic-break marker
  (``-``, ``+``, ``=``, ``1.``, ``1)``) is escaped where it acts: at the start of the text. A bare URL stays as
  it is (``http://x``: a viewer may link it, and the reader sees where it goes).
- ``streamlit_markdown`` / ``streamlit_text``: Streamlit reads two more kinds of marks in Markdown, ``$...$``
  as maths and ``:name`` as a directive or icon (``:red[...]``, ``:material/...:``), which can hide or
  restyle text: they get a backslash too, outside inline code. The pages show text through ``streamlit_text``
  and the stored report through ``streamlit_markdown``; the report itself keeps the CommonMark set, so its
  bytes are those of every report written so far (a viewer that typesets ``$...$``, as GitHub does, may still
  do so in an exported report). Emoji shortcodes such as ``:smile:`` still become emoji in Streamlit: no
  escape prevents that.
- ``markdown_cell`` (a bounded table cell) and ``markdown_code`` (inline code nothing can break out of).
- ``html_text``: element content or a quoted attribute.
- ``plotly_label``: a Plotly title, legend or hover label (Plotly reads a few HTML tags in labels).
- ``csv_cell``: a CSV cell that a spreadsheet shows as text, never evaluates as a formula.
- ``slack_text``: Slack's ``mrkdwn`` (notifications): ``&``, ``<`` and ``>`` become entities, as Slack asks, so
  no text makes a link, a mention (``<!channel>``) or a date; one line. Slack has no backslash escape, so
  ``*bold*``-style marks in untrusted text may still style it, never more.
"""

from __future__ import annotations

import html
import re

MAX_CELL_CHARS = 300

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_INLINE = re.compile(r"([\\`*_\[\]|~#!])")
_STREAMLIT = re.compile(r"(\$|:(?=[A-Za-z]))")  # maths, and directives and icons (their names start with a letter)
_CODE_SPAN = re.compile(r"((?<!\\)`[^`\n]*`)")  # inline code as ``markdown_code`` writes it
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")
_NEWLINES = re.compile(r"[\r\n\t\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]+")  # line breaks and control characters
#: First characters a spreadsheet reads as a formula; such cells get a leading apostrophe (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def one_line(value: object, limit: int | None = None) -> str:
    """``value`` as text on one line (line breaks and control characters become a space), at most ``limit``
    characters (the last one an ellipsis when cut)."""
    raw = _NEWLINES.sub(" ", "" if value is None else str(value))
    if limit is not None and len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return raw


def markdown_text(value: object, limit: int | None = None) -> str:
    """Untrusted text for inline Markdown: one line, rendered literally (see the module docstring)."""
    escaped = _INLINE.sub(r"\\\1", one_line(value, limit).translate(_ENTITIES))
    return _LINE_START.sub(_escape_marker, escaped, count=1)


def _escape_marker(match: re.Match[str]) -> str:
    space, marker, digits, dot = match.groups()
    return f"{space}\\{marker}" if marker else f"{space}{digits}\\{dot}"


def streamlit_markdown(document: str) -> str:
    """A Markdown document whose untrusted parts went through ``markdown_text``, for Streamlit: ``$`` and a ``:``
    before a letter get a backslash outside inline code (the document's own syntax uses neither)."""
    parts = _CODE_SPAN.split(document)
    return "".join(part if i % 2 else _STREAMLIT.sub(r"\\\1", part) for i, part in enumerate(parts))


def streamlit_text(value: object, limit: int | None = None) -> str:
    """Untrusted text for Streamlit Markdown (``st.markdown``, titles, labels, captions): one line, literal."""
    return streamlit_markdown(markdown_text(value, limit))


def markdown_cell(value: object) -> str:
    """Untrusted text for a Markdown table cell (pipes escaped, one line, at most ``MAX_CELL_CHARS``)."""
    return markdown_text(value, MAX_CELL_CHARS) or " "


def markdown_code(value: object) -> str:
    """A command as inline code; backticks and newlines cannot break out of it."""
    return f"`{one_line(value).replace('`', chr(39))}`"


def html_text(value: object) -> str:
    """Untrusted text for HTML element content or a quoted attribute (None is empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def plotly_label(value: str) -> str:
    """Untrusted text for a Plotly label: Plotly reads a few HTML tags in labels, so tags become entities."""
    return html.escape(value, quote=False)


def csv_cell(value: object) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never evaluates (None is empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def slack_text(value: object, limit: int | None = None) -> str:
    """Untrusted text for Slack ``mrkdwn``: one line of at most ``limit`` characters before escaping, with
    ``&``, ``<`` and ``>`` as entities (no link, mention or date can be made from it)."""
    return one_line(value, limit).translate(_ENTITIES)
