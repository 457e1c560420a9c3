"""Slack incoming webhooks: a notice as Block Kit, within Slack's documented limits.

Limits (Slack's Block Kit reference): at most 50 blocks per message; a header's ``plain_text`` at most 150
characters; a section's text at most 3,000, its ``fields`` at most 10 of at most 2,000 characters each; a context
block at most 10 elements. A message over them is refused with ``400 invalid_blocks``, so every text is cut to
fit before it is sent (``problems`` checks a message against the same limits). The top-level ``text`` is the
notification's fallback line. Untrusted text goes through ``core.report.escape.slack_text``.
"""

from __future__ import annotations

from typing import Any

from core.notify.channel import HttpChannel
from core.notify.notice import Notice, utc_text
from core.report.escape import one_line, slack_text

MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
MAX_FIELDS = 10
CONTEXT_ELEMENTS = 10
FALLBACK_CHARS = 3000  # Slack cuts the top-level text at 40,000; a notification line needs far less
EVIDENCE_CHARS = 400  # per evidence line, so that three of them and the cause fit one section
#: ``plain_text`` has no escape; angle brackets become look-alikes so that no ``<!channel>`` can ride in a title.
_ANGLES = str.maketrans({"<": "‹", ">": "›"})
_ICONS = {
    "SEV1": ":red_circle:",
    "SEV2": ":large_orange_circle:",
    "SEV3": ":large_yellow_circle:",
    "SEV4": ":white_circle:",
}


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis last), never inside an ``&amp;``-style entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _date(ts: float) -> str:
    """A Slack date token: the reader's own time zone, with UTC text where it cannot be formatted."""
    return f"<!date^{int(ts)}^{{date_short_pretty}} {{time_secs}}|{utc_text(ts)}>"


def _cause_text(notice: Notice) -> str:
    lines = [f"*Root cause:* {slack_text(notice.cause_line, 500)}"]
    lines += [f"• {slack_text(item, EVIDENCE_CHARS)}" for item in notice.evidence]
    return clip("\n".join(lines), SECTION_CHARS)


def _action_text(notice: Notice) -> str | None:
    if not notice.first_action:
        return None
    text = f"*First action:* {slack_text(notice.first_action, 1500)}"
    if notice.first_command:
        text += f"\n`{slack_text(notice.first_command, 1000).replace('`', chr(39))}`"
    return clip(text, SECTION_CHARS)


def render(notice: Notice) -> dict[str, Any]:
    """The Block Kit message of ``notice``: header, facts, root cause with evidence, first action, link."""
    icon = ":white_check_mark:" if notice.status == "RESOLVED" and notice.event != "test" else _ICONS[notice.severity]
    header = one_line(f"{notice.verb}: {notice.headline}", HEADER_CHARS - len(icon) - 1).translate(_ANGLES)
    fields = [
        f"*Severity*\n{notice.severity}",
        f"*Status*\n{notice.status}",
        f"*Services*\n{slack_text(', '.join(notice.services) or '—', FIELD_CHARS - 20)}",
        f"*Started*\n{_date(notice.started_at)}",
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{icon} {header}", "emoji": True}},
        {"type": "section", "fields": [_mrkdwn(clip(field, FIELD_CHARS)) for field in fields]},
        {"type": "section", "text": _mrkdwn(_cause_text(notice))},
    ]
    action = _action_text(notice)
    if action:
        blocks.append({"type": "section", "text": _mrkdwn(action)})
    if notice.summary and notice.event == "test":
        blocks.append({"type": "section", "text": _mrkdwn(clip(slack_text(notice.summary), SECTION_CHARS))})
    link = f"<{notice.url}|Open the incident>" if notice.event != "test" else f"<{notice.url}|Status page>"
    blocks.append({"type": "context", "elements": [_mrkdwn(f"{link} · {notice.event} · {notice.incident_id}")]})
    fallback = f"{notice.verb}: {notice.headline}. Root cause: {notice.cause_line}."
    return {"text": clip(slack_text(fallback), FALLBACK_CHARS), "blocks": blocks}


def problems(message: dict[str, Any]) -> list[str]:
    """Every way ``message`` breaks Block Kit's limits (empty when it fits)."""
    found = []
    blocks = message.get("blocks", [])
    if len(blocks) > MAX_BLOCKS:
        found.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        text = (block.get("text") or {}).get("text", "")
        if kind == "header" and len(text) > HEADER_CHARS:
            found.append(f"blocks[{i}] header text {len(text)} > {HEADER_CHARS}")
        if kind == "section":
            if len(text) > SECTION_CHARS:
                found.append(f"blocks[{i}] section text {len(text)} > {SECTION_CHARS}")
            fields = block.get("fields", [])
            if len(fields) > MAX_FIELDS:
                found.append(f"blocks[{i}] {len(fields)} fields > {MAX_FIELDS}")
            found += [
                f"blocks[{i}] field {j} {len(f['text'])} > {FIELD_CHARS}"
                for j, f in enumerate(fields)
                if len(f["text"]) > FIELD_CHARS
            ]
            if not text and not fields:
                found.append(f"blocks[{i}] section has neither text nor fields")
        if kind == "context" and len(block.get("elements", [])) > CONTEXT_ELEMENTS:
            found.append(f"blocks[{i}] context has {len(block['elements'])} elements > {CONTEXT_ELEMENTS}")
    return found


class SlackChannel(HttpChannel):
    """A Slack incoming webhook; Slack answers ``200 ok``, or an error word (``invalid_blocks``...) with 4xx."""

    type = "slack"

    def render(self, notice: Notice) -> dict[str, Any]:
        return render(notice)
