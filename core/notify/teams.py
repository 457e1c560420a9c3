"""Microsoft Teams workflow webhooks ("When a Teams webhook request is received", the successor of the retired
Office 365 connectors): a notice as an Adaptive Card in a ``message`` with one attachment.

The workflow accepts ``{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": <card>}]}`` and answers ``202 Accepted``; a body that does
not match the trigger's schema is refused with ``400`` (``TriggerInputSchemaMismatch``). Teams renders a subset
of Markdown in ``TextBlock``s, so untrusted text goes through ``core.report.escape.markdown_text``.
"""

from __future__ import annotations

from typing import Any

from core.notify.channel import HttpChannel
from core.notify.notice import Notice
from core.report.escape import markdown_text

CARD_VERSION = "1.4"  # what Teams renders in channels and chats
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEXT_CHARS = 1000  # per text block: a card reads at a glance; Teams refuses messages over about 28 KB
_COLOURS = {"SEV1": "Attention", "SEV2": "Warning", "SEV3": "Accent", "SEV4": "Default"}


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(notice: Notice) -> dict[str, Any]:
    """The Adaptive Card of ``notice``: title, facts, root cause with evidence, first action, a button."""
    colour = "Good" if notice.status == "RESOLVED" else _COLOURS[notice.severity]
    facts = notice.facts
    body: list[dict[str, Any]] = [
        _text(f"{notice.verb}: {markdown_text(notice.headline, 300)}", size="Large", weight="Bolder", color=colour),
        {"type": "FactSet", "facts": [{"title": t, "value": markdown_text(v, TEXT_CHARS)} for t, v in facts]},
    ]
    if notice.evidence:
        body.append(_text("**Evidence**", spacing="Medium"))
        body += [_text(f"- {markdown_text(item, TEXT_CHARS)}", spacing="None") for item in notice.evidence]
    if notice.first_action:
        body.append(_text(f"**First action:** {markdown_text(notice.first_action, TEXT_CHARS)}", spacing="Medium"))
    if notice.first_command:
        body.append(_text(markdown_text(notice.first_command, TEXT_CHARS), fontType="Monospace", spacing="None"))
    if notice.event == "test":
        body.append(_text(markdown_text(notice.summary, TEXT_CHARS)))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "Open the incident", "url": notice.url}],
        "msteams": {"width": "Full"},
    }


def render(notice: Notice) -> dict[str, Any]:
    """The workflow webhook's body: a ``message`` carrying the card."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card(notice)}],
    }


class TeamsChannel(HttpChannel):
    """A Teams workflow webhook (its URL, with its ``sig`` query, is the credential)."""

    type = "teams"

    def render(self, notice: Notice) -> dict[str, Any]:
        return render(notice)
