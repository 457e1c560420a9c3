"""Masking: replace the variable parts of a log message (ids, IPs, host:port, numbers, hex, UUIDs, paths,
URLs, durations and sizes, written dates, quoted values, empty ``key=`` values) by ``<*>`` before template
mining, and keep the words that say what happened. One configuration for every kind of log, every rule
about the shape of tokens (character classes), none about one system's words.

A quoted phrase led by an upper-case word keeps that word (``"GET /x HTTP/1.1"`` -> ``"GET <*>"``: requests
of different methods stay apart); any other quoted string is one value, whatever its length.

Masking works token by token: only whitespace tokens with a digit, a slash or an ``=`` meet the one
compiled alternation of ordered rules (no rule spans whitespace, so this gives the same result as masking
the whole line, about three times faster). A token left with only digits, punctuation and wildcards becomes
``<*>``; a unit after a value (``1.2 KB``, ``30 sec``) and a run of wildcards fold into one ``<*>``, so that
a value written in one or two tokens does not change the token count.
"""

from __future__ import annotations

import re
from functools import lru_cache

WILDCARD = "<*>"
MAX_LINE_CHARS = 2_000  # longer messages are cut before masking (bounded cost per line)
TOKEN_CACHE = 16_384  # masked short tokens remembered (at most 16,384 x 48 characters)
MAX_CACHED_TOKEN = 48

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Ordered: specific shapes first, so that a UUID is not eaten piecewise by the hex or number rules.
_RULES: tuple[tuple[str, str], ...] = (
    # ISO-8601 timestamps
    (r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?", WILDCARD),
    # UUIDs, also in braces
    (r"\{?\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b\}?", WILDCARD),
    # URLs and paths (unix, windows, hdfs://)
    (r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s,;]*", WILDCARD),
    (r"(?<![\w/.~])(?:[A-Za-z]:)?(?:[\\/][\w.$~@+-]+){2,}[\\/]?", WILDCARD),
    # IPv4 (optional port), host names with a port, MAC addresses
    (r"(?<![\w.])/?\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])", WILDCARD),
    (r"(?<![\w.-])(?:[a-zA-Z0-9-]+\.)+[a-zA-Z][a-zA-Z0-9-]*:\d{1,5}\b", WILDCARD),
    (r"\b(?:[0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}\b", WILDCARD),
    # IPv6 (optional brackets and port)
    (r"(?<![\w:.])\[?(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\]?(?::\d{1,5})?(?![\w:])", WILDCARD),
    # hex: 0x..., or long hex runs with a digit in them (trace ids, hashes)
    (r"\b0[xX][0-9a-fA-F]+\b", WILDCARD),
    (r"(?<![\w-])(?=[a-fA-F-]*\d)[0-9a-fA-F]{8,}(?![\w-])", WILDCARD),
    # durations and sizes with a unit glued on
    (r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|min|h|B|KB|MB|GB|KiB|MiB|GiB|%)(?![\w])", WILDCARD),
    # identifiers with a long run of digits (attempt_1445144423722_0020_m_000002_0, job ids)
    (r"(?<![\w.-])[\w.-]*\d{5,}[\w.-]*", WILDCARD),
    # numbers (integers, decimals, times like 12:03:55,123, versions like 1.2.3)
    (r"(?<![\w.])[-+]?\d+(?:[.:,/_-]\d+)*(?![\w])", WILDCARD),
)
# Written dates that span tokens (syslog's "Jul  1 04:44:20", C's ctime "Fri Jul  1 04:44:20 2005"): by
# shape, capitalised three-letter words before a day number and a clock time; masked before splitting.
_WRITTEN_DATE = re.compile(r"\b(?:[A-Z][a-z]{2},? +)?[A-Z][a-z]{2} +\d{1,2},? +\d{1,2}:\d{2}(?::\d{2})?(?: +\d{4})?\b")
_CLOCK = re.compile(r"\d:\d\d")
_VARIABLE = re.compile("|".join(f"(?:{pattern})" for pattern, _ in _RULES))
_NUMERIC_TOKEN = re.compile(r"^[\W\d_]*\d[\W\d_]*$")  # digits and punctuation only, at least one digit
_QUOTED = re.compile(r"\"[^\"\n]{0,400}\"|(?<!\w)'[^'\n]{0,400}'(?!\w)")
# Values of these keys are ids whatever they look like: request_id=req-abc, session=abc, user=alice.
_ID_KEYS = ("id", "key", "token", "trace", "span", "session", "request", "user")
_MAYBE_VARIABLE = re.compile(r"[\d/\\=]")  # only tokens with one of these may hold a variable
_PUNCTUATION = re.compile(r"^[\W_]*$")
# Units that follow a value ("1.2 KB", "30 sec"): folded into the value's wildcard.
_TIME_UNITS = ("ns", "us", "µs", "ms", "s", "sec", "secs", "seconds", "min", "mins", "minutes", "h", "hours")
UNITS = frozenset((*_TIME_UNITS, "b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "byte", "bytes", "%"))
_TRAILING = ",.;:)]}>"
_OPENERS = "([{"
_CLOSERS = ")]}"


def clean(message: str) -> str:
    """First non-empty line of ``message``, control characters removed, cut to ``MAX_LINE_CHARS``."""
    text = message[: MAX_LINE_CHARS * 2]
    if "\n" in text or "\r" in text:
        text = next((line for line in text.splitlines() if line.strip()), "")
    text = text[:MAX_LINE_CHARS]
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return text


def mask(content: str) -> str:
    """The masked form of one message: its first line's ``tokens`` joined by single spaces."""
    return " ".join(tokens(clean(content)))


def _quoted(match: re.Match[str]) -> str:
    """A quoted value as ``<*>``; a quoted phrase led by an upper-case word (a protocol's verb) as that word
    and ``<*>`` (``"GET <*>"``), so requests of different methods stay apart."""
    text = match.group(0)
    words = text[1:-1].split(None, 1)
    if len(words) == 2 and len(words[0]) >= 2 and words[0].isalpha() and words[0].isupper():
        return f"{text[0]}{words[0]} {WILDCARD}{text[-1]}"
    return WILDCARD


def _mask_token(token: str) -> str:
    """One token with its variable parts masked; a token left with only punctuation becomes ``<*>``."""
    if "=" in token:
        key, _, value = token.partition("=")
        if value and key.lower().endswith(_ID_KEYS):
            return f"{key}={WILDCARD}"
        if not value and key.isidentifier():  # "ruser=" holds a value too, an empty one: same as "ruser=bob"
            return f"{key}={WILDCARD}"
    token = _VARIABLE.sub(WILDCARD, token)
    if token != WILDCARD and (
        _NUMERIC_TOKEN.match(token) or (WILDCARD in token and _PUNCTUATION.match(token.replace(WILDCARD, "")))
    ):
        return WILDCARD
    return token


@lru_cache(maxsize=TOKEN_CACHE)
def _short_token(raw: str) -> str:
    return _mask_token(raw) if _MAYBE_VARIABLE.search(raw) else raw


def clear_cache() -> None:
    """Forget the cached masked tokens (benchmarks time a cold start this way)."""
    _short_token.cache_clear()


def _token(raw: str) -> str:
    """``raw`` masked; short tokens (most of them, and they repeat) through a bounded cache."""
    if len(raw) <= MAX_CACHED_TOKEN:
        return _short_token(raw)
    return _mask_token(raw) if _MAYBE_VARIABLE.search(raw) else raw


def tokens(content: str) -> list[str]:
    """Masked whitespace tokens of ``content``: variable parts as ``<*>``, tokens made only of digits,
    punctuation and wildcards as ``<*>``, a unit after a value folded into it, wildcard runs as one.

    Masking token by token (only tokens with a digit, a slash or an ``=`` meet the regexes) is about three
    times faster than masking the whole line, and gives the same tokens: no rule spans whitespace.
    """
    if '"' in content or "'" in content:
        content = _QUOTED.sub(_quoted, content)
    if _CLOCK.search(content):
        content = _WRITTEN_DATE.sub(WILDCARD, content)
    out: list[str] = []
    previous_wild = False
    opened = 0  # brackets opened by wildcard tokens folded into the previous one ("1 bytes (1.2 KB)")
    length = 0
    for raw in content.split():
        token = _token(raw)
        if previous_wild and token != WILDCARD and token.rstrip(_TRAILING).lower() in UNITS:
            trailing = token[len(token.rstrip(_TRAILING)) :]
            while opened and trailing[:1] in _CLOSERS:
                trailing, opened = trailing[1:], opened - 1
            if trailing:  # "(threshold 1000 ms)" keeps its parenthesis: "(threshold <*>)"
                out[-1] = WILDCARD + trailing
                previous_wild = False
            continue
        wild = token == WILDCARD
        # A whole bracketed value ("(10.0.0.1)") stays a token of its own: the same place may hold a
        # word ("(unknown)"), and folding only one of the two shapes would split one event in two.
        if wild and previous_wild and not (raw[:1] in _OPENERS and raw[-1:] in _CLOSERS):
            opened += raw[:1] in _OPENERS
            continue
        length += len(token) + 1
        if length > MAX_LINE_CHARS:  # masking can lengthen a line ("1 1 1" -> "<*> <*> <*>" before folding)
            break
        out.append(token)
        previous_wild, opened = wild, 0
    return out
