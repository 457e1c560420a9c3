"""A strict little parser of PromQL/LogQL label matcher lists, as Prometheus and Loki read them.

Used to check that escaped values come back unchanged, and by the fake Loki to select streams.
Strings are double-quoted with Go escapes; anything else is a ``SyntaxError`` with its column.
"""

from __future__ import annotations

import random
import re

_NAME = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*")
_SIMPLE_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f"}

Matcher = tuple[str, str, str]


def read_string(text: str, pos: int) -> tuple[str, int]:
    """The Go string literal starting at ``pos`` (a double quote), and the position after it."""
    if pos >= len(text) or text[pos] != '"':
        raise SyntaxError(f"col {pos + 1}: expected a string")
    out: list[str] = []
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\n":
            raise SyntaxError(f"col {pos + 1}: newline in string")
        if char == "\\":
            nxt = text[pos + 1 : pos + 2]
            if nxt in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[nxt])
                pos += 2
                continue
            if nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[pos + 2 : pos + 4]):
                out.append(chr(int(text[pos + 2 : pos + 4], 16)))
                pos += 4
                continue
            raise SyntaxError(f"col {pos + 1}: unknown escape \\{nxt}")
        out.append(char)
        pos += 1
    raise SyntaxError("unterminated string")


def parse_matchers(text: str) -> list[Matcher]:
    """The matchers of ``a="x", b=~"y"`` (without braces)."""
    matchers: list[Matcher] = []
    pos = 0
    while True:
        match = _NAME.match(text, pos)
        if match is None:
            raise SyntaxError(f"col {pos + 1}: expected a label matcher in {text!r}")
        value, pos = read_string(text, match.end())
        matchers.append((match.group(1), match.group(2), value))
        rest = re.compile(r"\s*(,|$)").match(text, pos)
        if rest is None:
            raise SyntaxError(f"col {pos + 1}: unexpected {text[pos : pos + 10]!r}")
        pos = rest.end()
        if rest.group(1) == "" or pos >= len(text.rstrip()):
            return matchers


def parse_selector(text: str) -> tuple[list[Matcher], str]:
    """``{...}`` at the start of ``text``: its matchers and whatever follows the closing brace."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        raise SyntaxError("col 1: expected '{'")
    pos = 1
    # Find the closing brace outside strings.
    while pos < len(stripped):
        if stripped[pos] == '"':
            _, pos = read_string(stripped, pos)
            continue
        if stripped[pos] == "}":
            return parse_matchers(stripped[1:pos]), stripped[pos + 1 :]
        pos += 1
    raise SyntaxError("unclosed '{'")


def matches(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    """Whether a label set satisfies every matcher (regexes fully anchored, as in Prometheus and Loki)."""
    for name, op, value in matchers:
        actual = labels.get(name, "")
        if op == "=" and actual != value:
            return False
        if op == "!=" and actual == value:
            return False
        if op == "=~" and not re.fullmatch(value, actual, re.DOTALL):
            return False
        if op == "!~" and re.fullmatch(value, actual, re.DOTALL):
            return False
    return True


def random_names(count: int = 300) -> list[str]:
    """Seeded random strings made mostly of characters that mean something in PromQL, LogQL or RE2."""
    rng = random.Random(6)
    alphabet = "ab\"\\{}[]()=~!|.*+?^$,\n\r\t #`'\x00é"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(count)]
