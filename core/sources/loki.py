"""Logs from Grafana Loki's ``/loki/api/v1/query_range``, followed with a nanosecond cursor.

Each poll asks, per service (or once, when the selector has no ``$service``), for the lines from the
last timestamp already seen up to ``now``, oldest first. When a page is full it asks again from the
newest timestamp of that page; lines at that boundary timestamp that were already returned are
dropped by their (timestamp, labels, line). Lines that Loki ingests later with an older timestamp
than the cursor are not seen: a Loki cursor cannot know about them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import SourceError
from core.models import LogEvent
from core.sources.http import HttpAuth, HttpClient, body_excerpt
from core.sources.logql import (
    DEFAULT_SELECTOR,
    Entry,
    check_selector_template,
    parse_streams,
    selector,
    to_event,
    uses_service,
)
from core.sources.promql import check_label_name

QUERY_RANGE = "/loki/api/v1/query_range"


@dataclass
class _Cursor:
    ts_ns: int
    seen: set[tuple[int, tuple[tuple[str, str], ...], str]] = field(default_factory=set)


def advance(cursor: _Cursor, entries: list[Entry]) -> list[Entry]:
    """The entries not yet returned, moving ``cursor`` to the newest timestamp among them (pure)."""
    fresh = [e for e in entries if e.ts_ns >= cursor.ts_ns and (e.ts_ns, e.labels, e.line) not in cursor.seen]
    if not entries:
        return fresh
    newest = max(entry.ts_ns for entry in entries)
    if newest > cursor.ts_ns:
        cursor.ts_ns, cursor.seen = newest, set()
    cursor.seen.update((e.ts_ns, e.labels, e.line) for e in entries if e.ts_ns == newest)
    return fresh


class LokiLogSource:
    """Follows one LogQL selector per service; see the module docstring for the cursor rules."""

    name = "loki"

    def __init__(
        self,
        base_url: str,
        *,
        services: Sequence[str] | Callable[[], Sequence[str]] | None = None,
        selector_template: str = DEFAULT_SELECTOR,
        service_label: str = "service",
        auth: HttpAuth | None = None,
        tenant: str | None = None,
        verify_tls: bool = True,
        timeout: float = 5.0,
        limit: int = 1000,
        initial_lookback: float = 60.0,
        max_pages: int = 20,
    ) -> None:
        if limit < 1 or max_pages < 1 or initial_lookback < 0:
            raise ValueError(f"Need limit >= 1, max_pages >= 1, initial_lookback >= 0; got {limit}, {max_pages}")
        self.template = check_selector_template(selector_template)
        self.label = check_label_name(service_label)
        # A callable (e.g. the metrics source's service discovery) is asked again on every poll.
        self._services = services if callable(services) else list(services or [])
        if uses_service(self.template) and not callable(services) and not self._services:
            raise ValueError(f"Selector {selector_template!r} is per service: give the services or a callable")
        headers = {"X-Scope-OrgID": tenant} if tenant else None
        self.http = HttpClient(base_url, auth=auth, verify_tls=verify_tls, timeout=timeout, headers=headers)
        self.target = f"{self.http.display_url}{QUERY_RANGE}"
        self.limit = limit
        self.initial_lookback = initial_lookback
        self.max_pages = max_pages
        self._cursors: dict[str | None, _Cursor] = {}

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def fetch(self, now: float) -> list[LogEvent]:
        """Lines since the previous poll, oldest first; ``SourceError`` when Loki fails or is unreachable."""
        keys: Sequence[str | None] = [None]
        if uses_service(self.template):
            keys = sorted(set(self._services() if callable(self._services) else self._services))
        found: list[tuple[int, LogEvent]] = []
        for key in keys:
            fallback = key if key is not None else "unknown"
            for entry in self._follow(key, now):
                found.append((entry.ts_ns, to_event(entry, service_label=self.label, fallback_service=fallback)))
        found.sort(key=lambda pair: pair[0])  # nanoseconds: float seconds cannot order lines 1 ns apart
        return [event for _, event in found]

    def _follow(self, key: str | None, now: float) -> list[Entry]:
        query = selector(self.template, key)
        end_ns = int(now * 1e9)
        cursor = self._cursors.get(key) or _Cursor(int((now - self.initial_lookback) * 1e9))
        # Work on a copy: a failure half-way leaves the stored cursor where it was, so nothing is lost.
        work = _Cursor(cursor.ts_ns, set(cursor.seen))
        found: list[Entry] = []
        for _ in range(self.max_pages):
            if work.ts_ns >= end_ns:
                break
            params = {
                "query": query,
                "start": str(work.ts_ns),
                "end": str(end_ns),
                "limit": str(self.limit),
                "direction": "forward",
            }
            entries = parse_streams(self._get(params, key), where=self._where(key))
            fresh = advance(work, entries)
            found.extend(fresh)
            if len(entries) < self.limit:
                break
            if not fresh:  # a whole page at one nanosecond: step past it rather than loop forever
                work.ts_ns, work.seen = work.ts_ns + 1, set()
        self._cursors[key] = work
        return found

    def _where(self, key: str | None) -> str:
        return f"GET {self.target}" + (f" (service {key!r})" if key is not None else "")

    def _get(self, params: dict[str, str], key: str | None) -> Any:
        response = self.http.get(QUERY_RANGE, params=params)
        if response.status_code >= 400:
            # Loki answers most errors with a plain-text body (e.g. "parse error at line 1, col 2: ...").
            raise SourceError(f"{self._where(key)}: HTTP {response.status_code}: {body_excerpt(response)}")
        try:
            return response.json()
        except ValueError:
            raise SourceError(f"{self._where(key)}: answer is not JSON: {body_excerpt(response)}") from None
