"""Prompt files for the LLM refinement of each agent, and their safe rendering.

A prompt file ``<agent>.md`` has two parts, each introduced by a line of its own: ``# System`` (the
instructions, no placeholders) and ``# User`` (the task, with named placeholders such as ``{evidence}``).
Every placeholder stands alone on its line and becomes a fenced JSON data block. Rendering is one pass over
the template, so braces, backticks or "ignore previous instructions" inside the data stay data: the data is
JSON-encoded (ASCII only, so no line can start inside a string) and the fence is longer than any run of
backticks in it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_PLACEHOLDER_LINE = re.compile(r"^[ \t]*\{([a-z][a-z0-9_]*)\}[ \t]*$", re.MULTILINE)
_SYSTEM, _USER = "# System", "# User"


@cache
def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.md``; raises ``ValueError`` for a bad name, ``FileNotFoundError`` if absent."""
    if not _NAME.match(name):
        raise ValueError(f"prompt name must be lower_snake_case letters and digits, got {name!r}")
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt file for {name!r}: {path} does not exist")
    return path.read_text(encoding="utf-8")


def split_prompt(text: str) -> tuple[str, str]:
    """The (system, user) parts of a prompt file; raises ``ValueError`` when a part is missing or empty."""
    lines = text.splitlines()
    try:
        system_at, user_at = lines.index(_SYSTEM), lines.index(_USER)
    except ValueError as exc:
        raise ValueError(f"a prompt needs a '{_SYSTEM}' line and a '{_USER}' line, in that order") from exc
    system = "\n".join(lines[system_at + 1 : user_at]).strip()
    user = "\n".join(lines[user_at + 1 :]).strip()
    if user_at < system_at or not system or not user:
        raise ValueError(f"a prompt needs a non-empty '{_SYSTEM}' part followed by a non-empty '{_USER}' part")
    if _PLACEHOLDER.search(system):
        raise ValueError("placeholders belong in the user part only; the system part holds instructions")
    return system, user


def data_block(name: str, value: object) -> str:
    """``value`` as JSON in a fenced block labelled ``name``; nothing inside can close the fence."""
    body = json.dumps(value, indent=1, ensure_ascii=True, sort_keys=False, default=str)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}json {name}\n{body}\n{fence}"


def fill(template: str, values: dict[str, object]) -> str:
    """Replace each ``{name}`` line of ``template`` with ``data_block(name, values[name])`` in one pass.

    Raises ``ValueError`` naming the placeholders without a value and the values without a placeholder.
    """
    found = set(_PLACEHOLDER.findall(template))
    inline = len(_PLACEHOLDER.findall(template)) - len(_PLACEHOLDER_LINE.findall(template))
    if inline:
        raise ValueError(f"{inline} placeholder(s) share a line with text; each must stand alone on its line")
    missing, unused = sorted(found - values.keys()), sorted(values.keys() - found)
    if missing or unused:
        raise ValueError(f"prompt placeholders without a value: {missing}; values without a placeholder: {unused}")
    return _PLACEHOLDER_LINE.sub(lambda m: data_block(m.group(1), values[m.group(1)]), template)


def render_prompt(name: str, **values: object) -> tuple[str, str]:
    """The (system, user) messages of prompt ``name`` with ``values`` filled in as fenced data blocks."""
    system, user = split_prompt(load_prompt(name))
    return system, fill(user, values)
