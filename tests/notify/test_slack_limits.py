"""The Slack message of the longest report among the regression scenarios fits Block Kit's limits, and so does
one made of text far past every limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.models import ReportOutput
from core.notify import slack
from core.notify.notice import notice_of
from core.scenario import load
from tests.factories import run_agents
from tests.notify.helpers import PUBLIC_URL, analysed_incident, channel
from tests.notify.receivers import Slack, block_kit_violations
from tests.report.views import cause, outputs, view_of
from tests.scenarios.test_scenarios import FOLDERS


def send(message: dict) -> str:
    """What a Slack webhook that checks Block Kit's documented limits answers to ``message``."""
    with Slack() as receiver:
        ch = channel({"type": "slack", "url_env": "SLACK_URL"}, {"url": receiver.url})
        return ch.deliver(message, "key").answer


@pytest.mark.slow  # replays every regression scenario through the five agents (about 5 s)
def test_the_longest_scenario_report_fits_block_kit() -> None:
    reports = []
    for folder in FOLDERS:
        scenario = load(Path(folder), Settings())
        report = run_agents(scenario.context)["reporter"]
        assert isinstance(report, ReportOutput) and report.view is not None
        reports.append((len(report.markdown), folder.name, scenario.context.incident, report.view))
    length, name, incident, view = max(reports, key=lambda r: r[0])
    assert length > 3000  # longer than one section may hold: the message has to choose
    incident = incident.model_copy(update={"final_summary": view})
    for event in ("opened", "analyzed", "escalated", "resolved"):
        message = slack.render(notice_of(incident, event, PUBLIC_URL, incident.detected_at))  # type: ignore[arg-type]
        assert slack.problems(message) == [] and block_kit_violations(message) == [], name
        assert send(message) == "ok"
    text = str(message)
    assert view.top_cause is not None and view.top_cause.service in text
    assert view.key_evidence(1)[0].description[:40].replace("&", "&amp;").replace("<", "&lt;") in text


def test_text_far_past_every_limit_is_cut_to_fit() -> None:
    found = outputs()
    huge = "<!channel> & <https://evil.example|click> " + "x" * 5000
    top = cause("checkout-" + "s" * 3000, "error_rate", 0.9, 0)
    top.evidence = [
        ev.model_copy(update={"description": huge}) for ev in cause("checkout", "error_rate", 0.9, 9).evidence
    ]
    found["root_cause"].hypotheses[0] = top
    found["mitigation"].immediate[0] = (
        found["mitigation"].immediate[0].model_copy(update={"title": huge, "command": "`" * 4000})
    )
    incident = analysed_incident(title=huge, services=["svc-" + "z" * 3000] * 3, final_summary=view_of(found))
    message = slack.render(notice_of(incident, "analyzed", PUBLIC_URL, 0.0))
    assert slack.problems(message) == [] and block_kit_violations(message) == []
    assert "<!channel>" not in str(message) and "&lt;!channel&gt;" in str(message)
    assert send(message) == "ok"


def test_problems_names_each_broken_limit() -> None:
    message = {
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
        + [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}] * 11}]
        + [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}] * 49
    }
    found = slack.problems(message)
    assert "51 blocks > 50" in found and "blocks[0] header text 151 > 150" in found
    assert "blocks[1] 11 fields > 10" in found and "blocks[2] section text 3001 > 3000" in found
