"""The ``analyzed`` hook (the notifications' "cause stated or revised") fires for the revision that first states a
top cause or replaces it, never for one that confirms it. The analyses run through ``AnalysisService`` over a real
store; the agents' verdicts are scripted, one per revision, as the reporter would finish them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.agents.base import AnalysisContext
from core.clock import VirtualClock
from core.config import Settings
from core.models import Incident, Topology
from core.orchestration.analysis import AnalysisService
from core.orchestration.supervisor import AnalysisResult, ProgressCallback
from core.report.build import revised
from core.report.view import Cause, Impact, ReportView
from core.store import Store
from tests.factories import checkout_incident
from tests.report.views import cause, rich_view

T0 = 1_767_225_600.0


class ScriptedSupervisor:
    """Answers the n-th analysis with the n-th top cause of its script (None: no cause named)."""

    def __init__(self, script: list[tuple[str, str] | None]) -> None:
        self.script = list(script)

    def run(self, ctx: AnalysisContext, on_progress: ProgressCallback | None = None) -> AnalysisResult:
        top = self.script.pop(0)
        base = rich_view()
        causes = [Cause(**cause(top[0], top[1], 0.8, 2).model_dump())] if top else []
        found = base.root_cause.model_copy(update={"causes": causes}) if base.root_cause else None
        impact: Impact = base.impact.model_copy(update={"services": ["checkout"]})
        header = base.header.model_copy(update={"incident_id": ctx.incident.id})
        view: ReportView = base.model_copy(
            update={"root_cause": found, "impact": impact, "header": header, "analysis_id": f"a-{len(self.script)}"}
        )
        view = revised(view, ctx.revising)
        return AnalysisResult(view.analysis_id or "", "done", {}, [], view, f"# {top}")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "hook.duckdb")
    yield s
    s.close()


def test_the_analyzed_hook_fires_when_the_top_cause_is_first_stated_or_changes(store: Store) -> None:
    script = [None, ("checkout", "error_rate"), ("checkout", "error_rate"), ("postgres", "db_slow"), None]
    told: list[tuple[int | None, str | None]] = []
    service = AnalysisService(
        settings=Settings(_env_file=None),
        clock=VirtualClock(T0 + 30),
        store=store,
        supervisor=ScriptedSupervisor(script),  # type: ignore[arg-type]
        topology=lambda: Topology(services=["checkout"], edges=[]),
        catalogue=lambda: [],
        on_analyzed=lambda incident: told.append(
            (incident.final_summary.revision if incident.final_summary else None, incident.root_cause_kind)
        ),
    )
    store.save_incident(checkout_incident("inc-1", T0))
    stored: list[Incident] = [service.analyze("inc-1", reason="scheduled") for _ in script]
    assert [i.final_summary.revision for i in stored if i.final_summary] == [1, 2, 3, 4, 5]
    # revision 1 names nothing, 2 states a cause, 3 confirms it, 4 replaces it, 5 names none any more
    assert told == [(2, "error_rate"), (4, "db_slow"), (5, None)]
