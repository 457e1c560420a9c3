"""The whole loop with LLM refinement: the real openai client against a fake OpenAI-compatible server."""

from pathlib import Path

import pytest

from core.config import Settings
from core.simulation import FaultSpec, simulate
from core.store import Store
from demo_service import DemoService
from tests.fake_openai import FakeOpenAIServer, Reply, echo_deterministic

pytestmark = pytest.mark.slow  # simulates minutes of the shop with a fake LLM server

AGENTS = {"monitoring", "log_analysis", "root_cause", "mitigation", "reporter"}


def llm_settings(server: FakeOpenAIServer, **changes: object) -> Settings:
    return Settings(
        _env_file=None,
        openai_api_key="sk-test-secret-key-0123456789",
        openai_base_url=server.base_url,
        openai_model="fake-model",
        **changes,
    )


def test_agents_are_refined_by_the_llm_and_runs_record_model_and_tokens(tmp_path: Path) -> None:
    db = tmp_path / "llm.duckdb"
    with FakeOpenAIServer(echo_deterministic) as server:
        result = simulate(
            [FaultSpec("db_slow")],
            demo=DemoService,
            duration=60,
            warmup=120,
            seed=2,
            db=db,
            settings=llm_settings(server),
        )
        assert len(server.requests) >= len(AGENTS)
    (incident,) = result.incidents
    assert (incident.root_causes[0].kind, incident.root_causes[0].service) == ("db_slow", "postgres")
    store = Store(db)
    try:
        runs = store.agent_runs(incident.id)
        refined = {run.agent_name for run in runs if run.model == "fake-model" and run.prompt_tokens > 0}
        assert refined == AGENTS
        stored = " ".join(run.model_dump_json() for run in runs)
        assert "sk-test-secret-key" not in stored
    finally:
        store.close()


def test_a_failing_llm_keeps_the_deterministic_analysis(tmp_path: Path) -> None:
    db = tmp_path / "down.duckdb"
    with FakeOpenAIServer(Reply(status=500, error_message="model overloaded")) as server:
        result = simulate(
            [FaultSpec("error_rate", "payments")],
            demo=DemoService,
            duration=60,
            warmup=120,
            seed=3,
            db=db,
            settings=llm_settings(server, llm_max_retries=0),
        )
    (incident,) = result.incidents
    assert incident.analysis_status == "done"
    assert incident.root_causes[0].service == "payments"
    assert "## Root Cause" in incident.rca_markdown
    store = Store(db)
    try:
        reasons = [run.output_json["llm"]["error"] for run in store.agent_runs(incident.id)]
    finally:
        store.close()
    assert len(reasons) == len(AGENTS) * incident.revisions  # every analysis of the incident (its revisions)
    assert all("500" in reason and "deterministic result kept" in reason for reason in reasons), reasons
