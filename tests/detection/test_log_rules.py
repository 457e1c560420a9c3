"""The log-pattern rule: new or surging ERROR patterns fire after the warm-up; noise and warnings do not."""

from __future__ import annotations

from core.detection.base import Poll
from core.detection.log_rules import MIN_LINES, RULE, WARMUP_SECONDS, LogPatternRule
from core.models import LogEvent

INTERVAL = 5.0


def _poll(rule: LogPatternRule, now: float, lines: list[tuple[str, str, str]]) -> list:
    events = [
        LogEvent(ts=now - INTERVAL + 0.01 * i, service=s, level=lv, message=m) for i, (s, lv, m) in enumerate(lines)
    ]
    return rule.evaluate(Poll(now, INTERVAL, [], events))


def _routine(now: float) -> list[tuple[str, str, str]]:
    return [
        ("web", "INFO", f"GET /api/items/{int(now)} 200 12ms"),
        ("db", "ERROR", f"deadlock detected on relation {int(now) % 7}"),  # one routine error a poll
    ]


def _warm(rule: LogPatternRule, until: float) -> float:
    now = INTERVAL
    while now <= until:
        assert _poll(rule, now, _routine(now)) == []
        now += INTERVAL
    return now


def test_a_new_error_pattern_fires_with_its_service_and_count() -> None:
    rule = LogPatternRule()
    now = _warm(rule, WARMUP_SECONDS + 60)
    burst = [
        ("payments", "ERROR", f"Connection error calling gateway (10.0.0.{i}:443) after 2000 ms") for i in range(8)
    ]
    (signal,) = _poll(rule, now, _routine(now) + burst)
    assert (signal.rule, signal.service, signal.value) == (RULE, "payments", 8.0)
    assert "new log pattern" in signal.message and "Connection error calling gateway <*>" in signal.message


def test_nothing_fires_during_the_warm_up() -> None:
    rule = LogPatternRule()
    burst = [("payments", "ERROR", f"Connection refused by 10.0.0.{i}") for i in range(20)]
    assert _poll(rule, INTERVAL, burst) == []


def test_a_few_lines_or_warnings_do_not_fire() -> None:
    rule = LogPatternRule()
    now = _warm(rule, WARMUP_SECONDS + 60)
    few = [("api", "ERROR", f"Timeout reading socket {i}") for i in range(MIN_LINES - 1)]
    warnings = [("api", "WARN", f"Slow request took {i} ms") for i in range(50)]
    assert _poll(rule, now, _routine(now) + few + warnings) == []


def test_a_known_error_pattern_fires_when_it_surges_not_at_its_usual_rate() -> None:
    rule = LogPatternRule()
    now = _warm(rule, WARMUP_SECONDS + 300)
    assert _poll(rule, now, _routine(now)) == []  # one deadlock a poll, as always
    surge = [("db", "ERROR", f"deadlock detected on relation {i}") for i in range(30)]
    (signal,) = _poll(rule, now + INTERVAL, surge)
    assert signal.service == "db" and "usual rate" in signal.message


def test_templates_are_mined_into_the_shared_miner() -> None:
    rule = LogPatternRule()
    _poll(rule, INTERVAL, [("web", "INFO", "GET /a/b 200 3ms"), ("web", "INFO", "GET /c/d 200 5ms")])
    assert [c.template for c in rule.miner.clusters()] == ["GET <*>"]  # path, status, duration: one variable
    assert rule.miner.clusters()[0].count == 2
