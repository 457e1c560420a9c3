"""The one escaping module: hostile text comes out inert in Markdown (checked with a real CommonMark parser),
in Streamlit's Markdown (maths and directives too), table cells, inline code, HTML, Plotly labels and CSV
cells; the app's ``md_escape`` is the module's Streamlit escaper."""

from __future__ import annotations

import csv
import html
import io

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from app import formatting
from core.report.escape import (
    csv_cell,
    html_text,
    markdown_code,
    one_line,
    plotly_label,
    streamlit_markdown,
    streamlit_text,
)
from core.report.escape import markdown_cell as cell
from core.report.escape import markdown_code as code
from core.report.escape import markdown_text as text

#: CommonMark with GitHub's tables and strike-through; Streamlit also reads $-maths.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
STREAMLIT = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img": '<img src=x onerror="alert(1)">',
    "html-comment": "<!-- hidden --> shown",
    "entity": "&lt;b&gt; is &amp; stays text",
    "emphasis": "**bold** __strong__ *it* _it_",
    "strike": "~~gone~~ ~also~",
    "code": "`rm -rf /` and ``double``",
    "link": "[click](http://evil.example) and [ref][1]",
    "image": "![x](http://evil.example/x.png)",
    "autolink": "<http://evil.example> <mail@evil.example>",
    "pipes": "a | b || c",
    "heading": "# not a heading",
    "quote": "> not a quote",
    "list": "- not a list",
    "plus-list": "+ not a list",
    "ordered": "1. not a list",
    "ordered-paren": "12) not a list",
    "setext": "===",
    "rule": "---",
    "maths": "costs $5 and $6 per $x^2$",
    "directive": ":red[alarm] :material/warning: :streamlit:",
    "backslashes": "C:\\path\\*not*\\",
    "newlines": "line1\nline2\r\n- item\n# head",
    "controls": "a\x00b\x1bc\u2028d\u2029e\tf",
    "brackets": "[*] {x} (y) <z>",
}


def rendered(markdown: str, parser: MarkdownIt = MARKDOWN) -> list:
    """The inline tokens of ``markdown``, which must be one paragraph."""
    blocks = parser.parse(markdown)
    assert [b.type for b in blocks] == ["paragraph_open", "inline", "paragraph_close"], markdown
    return blocks[1].children or []


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b", "a \\| b"),
        ("`code`", "\\`code\\`"),
        ("line1\nline2\r\nline3", "line1 line2 line3"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
        ("a & b", "a &amp; b"),
    ],
    ids=["html", "pipe", "backticks", "newlines", "link", "emphasis", "ampersand"],
)
def test_text_escapes_untrusted_input(raw: str, escaped: str) -> None:
    assert text(raw) == escaped


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_text_renders_as_exactly_the_original_text(raw: str) -> None:
    tokens = rendered(text(raw))
    assert [t.type for t in tokens] == ["text"], tokens  # no emphasis, link, code, HTML, maths...
    assert tokens[0].content == one_line(raw)


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_text_stays_text_after_other_text(raw: str) -> None:
    tokens = rendered(f"Cause: {text(raw)} (end)")
    assert [t.type for t in tokens] == ["text"] and tokens[0].content == f"Cause: {one_line(raw)} (end)"


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_streamlit_text_renders_as_exactly_the_original_text_with_maths_on(raw: str) -> None:
    tokens = rendered(f"Cause: {streamlit_text(raw)}", STREAMLIT)
    assert [t.type for t in tokens] == ["text"] and tokens[0].content == f"Cause: {one_line(raw)}"


def test_streamlit_directives_and_maths_are_escaped() -> None:
    """Streamlit reads ``:name[...]``, ``:material/icon:`` and ``$...$``: the marks get backslashes."""
    escaped = streamlit_text(HOSTILE["directive"] + " " + HOSTILE["maths"] + " error:timeout")
    assert "\\:red\\[alarm\\]" in escaped and "\\:material/warning" in escaped and "\\:streamlit" in escaped
    assert "\\$5" in escaped and "\\$x^2\\$" in escaped and "error\\:timeout" in escaped
    assert streamlit_text("http://x at 12:30") == "http://x at 12:30"  # a colon before no letter stays as it is
    assert text("$5 :red[x]") == "$5 :red\\[x\\]"  # the report's own bytes: CommonMark has neither


def test_a_stored_report_is_shown_in_streamlit_with_its_code_untouched() -> None:
    document = f"- **Action:** {text('costs $5 :boom')} `kubectl exec -- psql -c 'SELECT $1::text'`"
    shown = streamlit_markdown(document)
    assert shown == "- **Action:** costs \\$5 \\:boom `kubectl exec -- psql -c 'SELECT $1::text'`"
    blocks = STREAMLIT.parse(shown)
    inline = next(t for t in blocks if t.type == "inline").children or []
    assert "math_inline" not in [t.type for t in inline]
    assert [t.content for t in inline if t.type == "code_inline"] == ["kubectl exec -- psql -c 'SELECT $1::text'"]


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_cell_keeps_the_table_shape(raw: str) -> None:
    table = f"| a | b |\n|---|---|\n| {cell(raw)} | x |\n"
    tokens = MARKDOWN.parse(table)
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 4  # two header cells, two body cells: the pipes in the text added none
    assert [t.type for t in cells[2].children] == ["text"] and cells[2].children[0].content == one_line(raw)


def test_cell_is_one_bounded_line_and_never_empty() -> None:
    assert cell("") == " "
    long = cell("x" * 1_000)
    assert len(long) <= 300 and long.endswith("…")


def test_code_cannot_be_broken_out_of() -> None:
    assert code("echo `id`\nrm") == "`echo 'id' rm`"
    [token] = rendered(markdown_code("kubectl `rm` <x> **y**"))
    assert token.type == "code_inline" and token.content == "kubectl 'rm' <x> **y**"


def test_the_pages_use_the_same_escaper() -> None:
    """One module for core and app: ``app.formatting.md_escape`` is ``streamlit_text``."""
    assert formatting.md_escape is streamlit_text


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_html_text_opens_no_tag_and_reads_back(raw: str) -> None:
    escaped = html_text(raw)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped and "'" not in escaped
    assert html.unescape(escaped) == raw
    assert html_text(None) == ""


def test_plotly_label_turns_tags_into_entities() -> None:
    assert plotly_label("<b>x</b> & <br>") == "&lt;b&gt;x&lt;/b&gt; &amp; &lt;br&gt;"


@pytest.mark.parametrize("raw", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_csv_cell_defuses_formulas(raw: str) -> None:
    assert csv_cell(raw) == "'" + raw


def test_csv_cell_keeps_plain_values_and_round_trips_through_csv() -> None:
    assert csv_cell("checkout") == "checkout" and csv_cell(None) == "" and csv_cell(0.5) == "0.5"
    plain = [v for v in HOSTILE.values() if v[0] not in "=+-@"]  # quotes, commas, newlines, pipes, tags
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(v) for v in plain])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == plain
