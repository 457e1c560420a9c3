"""The one policy for every URL that is shown, logged, stored or exported: where it points, never a secret.

A URL keeps its scheme, host (an IPv6 literal keeps its brackets), port and path. It loses its user info
(``user:password@``, or a bare token before the ``@``), its whole query string and its fragment: a query
value can be a credential under any name (``access_token``, ``sig``, ``X-Amz-Signature``, ``code``, ...) and
no list of names is complete, so no value is kept. Paths are kept: they say which API is meant, and URLs
whose path is itself the secret (webhooks) are settings shown only as "set" or "not set".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

#: Shown instead of a URL that cannot be parsed (an unclosed IPv6 bracket, say): nothing of it is safe to show.
UNPARSEABLE = "<unparseable URL>"


def redact_url(url: str) -> str:
    """``url`` with scheme, host, port and path only. Text without ``://`` and without user info before its
    first ``/`` (a file glob, a note) is not a URL and comes back unchanged."""
    has_scheme = "://" in url
    if not has_scheme and "@" not in url.partition("/")[0]:
        return url
    try:
        # "host:port" without a scheme would parse as scheme "host": read it as a network location instead
        parts = urlsplit(url.strip() if has_scheme else "//" + url.strip())
    except ValueError:
        return UNPARSEABLE
    # the network location as written, after the last "@": brackets and port stay exactly as they were
    host = parts.netloc.rpartition("@")[2]
    shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
    return shown if has_scheme else shown.removeprefix("//")


#: A URL inside free text: a scheme, ``://`` and everything up to whitespace or a closing bracket or quote.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\"'`)\]]+")


def redact_urls_in(text: str) -> str:
    """``text`` (a note, a postmortem section) with every URL in it redacted as ``redact_url`` does."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)
