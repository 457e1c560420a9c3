"""Which presets fit a Prometheus: its metric names (label-values API), then one query plan per signal.

``plan_queries`` keeps, for each signal, every preset template whose metrics all exist, in preset order;
the source runs them all and keeps, per service, the first that answers (so a fleet where some services
speak OpenTelemetry and others only sit behind a mesh has both). A template from ``PROMQL_CONFIG_FILE``
replaces the presets for its signal (an empty one switches the signal off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import models as m
from core.sources.presets.model import PlannedQuery, Preset, SignalTemplate
from core.sources.promql import render, service_matchers

#: ``(path, params, what) -> (decoded JSON body, where)``: the source's GET against the Prometheus API.
GetJson = Callable[[str, dict[str, Any], str], tuple[Any, str]]
#: ``(body, where) -> sorted strings``: parses a label-values or label-names answer.
ParseList = Callable[[Any, str], list[str]]


@dataclass(frozen=True)
class Plan:
    """The queries of one discovery, and the signals nothing provides."""

    queries: tuple[PlannedQuery, ...]
    unplanned: tuple[str, ...]
    metric_count: int  # metric names the Prometheus has (0 when not discovered)
    presets: tuple[str, ...]  # presets with at least one usable template, in order


def _match(extra: str, metric: str = "") -> str:
    """A ``match[]`` series selector: ``metric{extra}``, or ``{extra}``, or every series."""
    extra = extra.strip().strip(",")
    if metric:
        return f"{metric}{{{extra}}}" if extra else metric
    return f"{{{extra}}}" if extra else '{__name__!=""}'


def metric_names(get: GetJson, parse: ParseList, extra: str = "") -> set[str]:
    """Every metric name with a series under the operator's extra matchers."""
    body, where = get("/api/v1/label/__name__/values", {"match[]": _match(extra)}, "metric names")
    return set(parse(body, where))


def choose_label(template: SignalTemplate, labels_of: Callable[[str], set[str]]) -> str | None:
    """The first candidate service label the template's first metric carries; None when it has none."""
    if len(template.labels) == 1:
        return template.labels[0]
    present = labels_of(template.requires[0])
    return next((label for label in template.labels if label in present), None)


def plan_queries(
    presets: tuple[Preset, ...],
    names: set[str] | None,
    labels_of: Callable[[str], set[str]],
    *,
    services: list[str] | None,
    extra: str,
    window: str,
    overrides: dict[str, str] | None = None,
    config_label: str = "service",
    config_prefix: str = "",
) -> Plan:
    """The queries per signal. ``names`` None means "unknown" (discovery failed): every template is kept."""
    overrides = overrides or {}
    queries: list[PlannedQuery] = []
    used: list[str] = []
    for signal in m.METRICS:
        if signal in overrides:
            if overrides[signal]:
                matchers = service_matchers(config_label, services, extra)
                promql = render(
                    overrides[signal], label=config_label, matchers=matchers, prefix=config_prefix, window=window
                )
                queries.append(PlannedQuery(signal, "config", config_label, promql))
            continue
        for preset in presets:
            template = preset.template(signal)
            if template is None or (names is not None and not set(template.requires) <= names):
                continue
            label = choose_label(template, labels_of) if names is not None else template.labels[0]
            if label is None:
                continue
            matchers = service_matchers(label, services, extra)
            promql = render(template.promql, label=label, matchers=matchers, prefix="", window=window)
            queries.append(PlannedQuery(signal, preset.name, label, promql))
            used.append(preset.name)
    planned = {query.signal for query in queries}
    return Plan(
        queries=tuple(queries),
        unplanned=tuple(signal for signal in m.METRICS if signal not in planned),
        metric_count=len(names or ()),
        presets=tuple(dict.fromkeys(used)),
    )


def label_finder(get: GetJson, parse: ParseList, extra: str) -> Callable[[str], set[str]]:
    """``metric -> its label names`` through ``/api/v1/labels``, asked once per metric."""
    cache: dict[str, set[str]] = {}

    def labels_of(metric: str) -> set[str]:
        if metric not in cache:
            body, where = get("/api/v1/labels", {"match[]": _match(extra, metric)}, f"labels of {metric}")
            cache[metric] = set(parse(body, where))
        return cache[metric]

    return labels_of
