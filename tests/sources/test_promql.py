"""PromQL escaping and templates: hostile service names stay values, configs fail with clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core import models as m
from core.errors import ConfigError
from core.sources.promql import (
    DEFAULT_TEMPLATES,
    QueryConfig,
    check_label_name,
    load_query_config,
    quote,
    regex_literal,
    render,
    service_matchers,
)
from tests.sources.selector_parser import Matcher, parse_selector, random_names, read_string

HOSTILE = [
    'a"b',
    "a\\b",
    "a}b",
    "a{b",
    "a\nb",
    'x", service=~".*',
    'x"} or vector(1) or {"',
    "=~.*",
    "check.ut",
    "a|b",
    "(x)[y]^$*+?",
    "\\",
    '"',
    "tab\there",
    "\x00\x1f\x7f",
    "ünïcødé ✓",
]


def selectors(query: str) -> list[list[Matcher]]:
    """Every ``{...}`` selector of a PromQL expression, parsed."""
    found, pos = [], 0
    while pos < len(query):
        char = query[pos]
        if char == '"':
            _, pos = read_string(query, pos)
        elif char == "{":
            matchers, rest = parse_selector(query[pos:])
            found.append(matchers)
            pos = len(query) - len(rest)
        else:
            pos += 1
    return found


@pytest.mark.parametrize("name", HOSTILE + random_names(), ids=None)
def test_quote_round_trips(name: str) -> None:
    literal = quote(name)
    value, end = read_string(literal, 0)
    assert value == name and end == len(literal)
    assert "\n" not in literal


@pytest.mark.parametrize("name", HOSTILE + random_names(100))
def test_regex_literal_matches_only_itself(name: str) -> None:
    pattern = regex_literal(name)
    assert re.fullmatch(pattern, name, re.DOTALL)
    for other in ("", "a", "ab", name + "x", "x" + name, "checkout"):
        if other != name:
            assert not re.fullmatch(pattern, other, re.DOTALL)


@pytest.mark.parametrize("signal", sorted(DEFAULT_TEMPLATES))
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n) for n in HOSTILE])
def test_every_selector_keeps_the_literal_service_filter(signal: str, name: str) -> None:
    query = render(
        DEFAULT_TEMPLATES[signal],
        label="service",
        matchers=service_matchers("service", [name]),
        prefix="shop_",
        window="30s",
    )
    parsed = selectors(query)
    assert parsed, query
    for matchers in parsed:
        assert matchers[:2] == [("service", "!=", ""), ("service", "=~", regex_literal(name))]
        assert all(label in ("service", "code", "outcome", "state", "result") for label, _, _ in matchers)
        # The regex the server compiles matches exactly the name.
        assert re.fullmatch(matchers[1][2], name, re.DOTALL)
        assert not re.fullmatch(matchers[1][2], "checkout", re.DOTALL) or name == "checkout"


def test_several_services_make_one_anchored_alternation() -> None:
    matchers = service_matchers("job", ["b|c", "a"])
    assert matchers == 'job!="", job=~"a|b\\\\|c"'
    pattern = selectors("{" + matchers + "}")[0][1][2]
    assert re.fullmatch(pattern, "b|c") and re.fullmatch(pattern, "a") and not re.fullmatch(pattern, "b")


def test_default_templates_cover_every_signal_and_the_demo_metric_names() -> None:
    assert set(DEFAULT_TEMPLATES) == set(m.METRICS)
    queries = {
        signal: render(t, label="service", matchers='service!=""', prefix="shop_", window="30s")
        for signal, t in DEFAULT_TEMPLATES.items()
    }
    assert "shop_requests_total" in queries[m.ERROR_RATE] and 'code=~"5.."' in queries[m.ERROR_RATE]
    assert queries[m.LATENCY_P95_MS].startswith("histogram_quantile(0.95, sum by (le, service) (rate(")
    assert "shop_request_duration_seconds_bucket" in queries[m.LATENCY_P95_MS]
    assert "shop_db_query_duration_seconds_bucket" in queries[m.DB_QUERY_P95_MS]
    assert 'outcome="error"' in queries[m.DEPENDENCY_ERROR_RATE]
    assert "shop_process_resident_memory_bytes" in queries[m.MEMORY_MB]
    assert "shop_process_cpu_seconds_total" in queries[m.CPU_PERCENT]
    assert all("$" not in query for query in queries.values())


@pytest.mark.parametrize("label", ["", "1abc", "a-b", "__name__", 'a"b', "a b"])
def test_bad_service_label_is_refused(label: str) -> None:
    with pytest.raises(ValueError, match="Service label"):
        check_label_name(label)


def test_config_file_overrides_one_template(tmp_path: Path) -> None:
    path = tmp_path / "promql.toml"
    path.write_text(
        'metric_prefix = "app_"\nrate_window = "1m"\n'
        "[templates]\n"
        "memory_mb = 'sum by (${label}) (container_memory_working_set_bytes{${matchers}}) / 1e6'\n"
        '[topology]\nedges = [["web", "api"]]\nexternal = ["stripe"]\n'
    )
    config = load_query_config(path)
    assert config.prefix == "app_" and config.window == "1m"
    assert config.templates[m.MEMORY_MB].startswith("sum by (${label}) (container_memory")
    assert config.templates[m.ERROR_RATE] == DEFAULT_TEMPLATES[m.ERROR_RATE]
    assert config.edges == [("web", "api")] and config.external == ["stripe"]


def test_json_config_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "promql.json"
    path.write_text(json.dumps({"templates": {"cpu_percent": "sum by (${label}) (up{${matchers}})"}}))
    assert load_query_config(path).templates[m.CPU_PERCENT] == "sum by (${label}) (up{${matchers}})"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[templates]\nlatency = 'x{${matchers}}'\n", "Unknown signal"),
        ("[templates]\nerror_rate = 'x{${matchers}} ${service}'\n", "unknown placeholder"),
        ("[templates]\nerror_rate = 'sum(x)'\n", "must use \\$\\{matchers\\}"),
        ("[templates]\nerror_rate = 'x{${matchers}} $'\n", "starts no placeholder"),
        ("[templates]\nerror_rate = 3\n", "non-empty string"),
        ('rate_window = "30 seconds"\n', "PromQL duration"),
        ('metric_prefix = "shop-"\n', "Metric prefix"),
        ("colour = 1\n", "unknown key"),
        ("[topology]\nedges = [['a']]\n", "caller, callee"),
        ("templates = [\n", "not valid TOML"),
    ],
    ids=[
        "unknown-signal",
        "unknown-placeholder",
        "no-matchers",
        "stray-dollar",
        "empty",
        "bad-window",
        "bad-prefix",
        "unknown-key",
        "bad-edge",
        "bad-toml",
    ],
)
def test_bad_config_explains_itself(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "promql.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_query_config(path)


def test_empty_template_switches_a_signal_off(tmp_path: Path) -> None:
    path = tmp_path / "promql.toml"
    path.write_text("[templates]\ndb_query_p95_ms = ''\n")
    assert m.DB_QUERY_P95_MS not in load_query_config(path).templates


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read PromQL config"):
        load_query_config(tmp_path / "nope.toml")


def test_default_config_is_valid() -> None:
    QueryConfig()
