"""Metric names from CSV headers to the names offline analysis uses (pure).

Container metrics come under many spellings (``cpu``, ``cpu_usage``, ``mem``, ``lat_90``, ``tps``). Each is
mapped to one resource name: ``cpu``, ``memory``, ``latency_p<q>`` (or ``latency`` without a quantile),
``requests``, ``errors`` and ``availability``. A trailing statistic that is the natural one for the
resource (``latency Average``, ``requests Sum``, ``availability Average``: the names a CloudWatch export
gives) is dropped; other statistics (``Maximum``) stay part of the name. These names deliberately differ
from the live metric names (``cpu_percent``, ``memory_mb``): a file's units are unknown (cores or percent,
bytes or MB), so detection uses relative bands. Unknown names are kept (lower-cased, tidied) and analysed
generically, by what they say (``core.semantics``).
"""

from __future__ import annotations

import re

CPU = "cpu"
MEMORY = "memory"
LATENCY = "latency"  # latency without a stated quantile
REQUESTS = "requests"
ERRORS = "errors"
AVAILABILITY = "availability"

_CPU = re.compile(r"^(cpu|cpu_?(usage|util(i[sz]ation)?|percent|pct|seconds(_total)?|load|cores?))$")
_MEMORY = re.compile(r"^(mem|memory|rss|working_?set)(_?(usage|util(i[sz]ation)?|percent|pct|bytes|mb|mib|gb))?$")
_LATENCY_WORD = r"(?:lat|latency|response_?time|rt|duration)"
_LATENCY = re.compile(rf"^{_LATENCY_WORD}(_?(ms|s|seconds))?$")
_QUANTILE = re.compile(rf"^(?:{_LATENCY_WORD}_?)?p?(50|75|90|95|99|999)(?:_?(?:ms|s|seconds))?$")
_REQUESTS = re.compile(r"^(tps|rps|qps|requests?|request_?rate|req_?rate|throughput|calls?|count)(_?per_?s(ec)?)?$")
_ERRORS = re.compile(r"^(err|errs|errors?|error_?rate|err_?rate|failures?|fail(ed)?_?rate|5xx)$")
_AVAILABILITY = re.compile(r"^(availability|avail|uptime)(_?(percent|pct|ratio))?$")
_STATISTIC = re.compile(r"^(?P<base>.+?)_(avg|average|mean|sum|total|count)$")
_TIDY = re.compile(r"[^a-z0-9_]+")


def latency_name(quantile: str) -> str:
    """The offline name of a latency quantile, e.g. ``latency_p90`` for "90"."""
    return f"{LATENCY}_p{quantile}"


def normalise_metric(name: str) -> str:
    """The offline metric name for a column or label ``name``; unknown names come back tidied, not dropped."""
    key = _TIDY.sub("_", name.strip().lower().replace("-", "_").replace(".", "_")).strip("_")
    plain = _STATISTIC.match(key)
    if plain and _known(plain.group("base")):
        key = plain.group("base")
    if _CPU.match(key):
        return CPU
    if _MEMORY.match(key):
        return MEMORY
    quantile = _QUANTILE.match(key)
    if quantile and not key.isdigit():  # a bare "90" is not a latency
        return latency_name(quantile.group(1))
    if _LATENCY.match(key):
        return LATENCY
    if _REQUESTS.match(key):
        return REQUESTS
    if _ERRORS.match(key):
        return ERRORS
    if _AVAILABILITY.match(key):
        return AVAILABILITY
    return key or "value"


def _known(key: str) -> bool:
    """True when ``key`` is a spelling of one of the resource names above."""
    patterns = (_CPU, _MEMORY, _LATENCY, _QUANTILE, _REQUESTS, _ERRORS, _AVAILABILITY)
    return any(p.match(key) for p in patterns)


def is_latency(metric: str) -> bool:
    """True for ``latency`` and ``latency_p<q>`` names."""
    return metric == LATENCY or metric.startswith(f"{LATENCY}_p")


def split_column(column: str) -> tuple[str, str] | None:
    """(service, raw metric) of a wide-CSV column ``<service>_<metric>``, split at the first underscore;
    None when the name has no underscore or an empty part."""
    service, sep, metric = column.strip().partition("_")
    if not sep or not service or not metric:
        return None
    return service, metric
