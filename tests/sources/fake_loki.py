"""A local HTTP server answering ``/loki/api/v1/query_range`` as Loki's documented API does.

Log queries return ``resultType: streams`` with ``[ "<ns timestamp>", "<line>" ]`` values; ``start`` is
inclusive and ``end`` exclusive; ``limit`` caps the entries across all streams, taken in ``direction``
order (Loki's default is backward). Bad requests get HTTP 400 with a plain-text body, as Loki sends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.sources.fake_http import FakeServer, Reply, Request, serve
from tests.sources.selector_parser import matches, parse_selector

TEXT = "text/plain; charset=utf-8"


@dataclass
class FakeLoki:
    entries: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    fail_with: Reply | None = None
    server: FakeServer | None = None

    def push(self, labels: dict[str, str], ts_ns: int, line: str) -> None:
        self.entries.append((ts_ns, labels, line))

    @property
    def requests(self) -> list[Request]:
        assert self.server is not None
        return [r for r in self.server.requests if r.path == "/loki/api/v1/query_range"]

    def handle(self, request: Request) -> Reply:
        if request.path != "/loki/api/v1/query_range":
            return 404, TEXT, "404 page not found\n"
        if self.fail_with is not None:
            return self.fail_with
        params = {key: values[0] for key, values in request.params.items()}
        try:
            matchers, pipeline = parse_selector(params.get("query", ""))
        except SyntaxError as exc:
            return 400, TEXT, f"parse error at line 1, {exc}"
        if pipeline.strip():
            return 400, TEXT, "parse error : this fake understands stream selectors only"
        start, end = int(params.get("start", "0")), int(params.get("end", str(2**62)))
        if end <= start:
            return 400, TEXT, "end timestamp must not be before or equal to start time"
        limit = int(params.get("limit", "100"))
        forward = params.get("direction", "backward").lower() == "forward"
        chosen = sorted(
            (e for e in self.entries if start <= e[0] < end and matches(matchers, e[1])),
            key=lambda e: e[0],
            reverse=not forward,
        )[:limit]
        streams: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
        for ts_ns, labels, line in chosen:
            streams.setdefault(tuple(sorted(labels.items())), []).append([str(ts_ns), line])
        result = [{"stream": dict(key), "values": values} for key, values in streams.items()]
        body = {
            "status": "success",
            "data": {
                "resultType": "streams",
                "result": result,
                "stats": {"summary": {"totalEntriesReturned": len(chosen)}},
            },
        }
        return 200, "application/json", json.dumps(body)


@contextmanager
def fake_loki() -> Iterator[FakeLoki]:
    loki = FakeLoki()
    with serve(loki.handle) as server:
        loki.server = server
        yield loki
