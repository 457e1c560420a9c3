"""A fault that comes back is named again: a bad deploy's deploy line has been seen before (at the first bad
deploy), yet it is absent from this incident's baseline, so it is the event the second incident turns on."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.fault_schedule import FaultSpec
from core.simulation import simulate
from demo_service import DemoService


@pytest.mark.slow
def test_a_second_bad_deploy_minutes_later_is_named_and_recognised(tmp_path: Path) -> None:
    faults = [
        FaultSpec("bad_deploy", "checkout", 1.0, start_s=0.0, duration_s=120.0),
        FaultSpec("error_rate", "checkout", 1.0, start_s=400.0, duration_s=120.0),
        FaultSpec("bad_deploy", "checkout", 1.0, start_s=800.0, duration_s=120.0),
    ]
    result = simulate(
        faults, demo=DemoService, duration=1100, warmup=300, seed=3, db=tmp_path / "r.duckdb", settings=Settings()
    )
    named = [(i.root_causes[0].kind, i.root_causes[0].service) for i in result.incidents]
    assert named == [("bad_deploy", "checkout"), ("error_rate", "checkout"), ("bad_deploy", "checkout")]
    first, _, repeat = result.incidents
    assert repeat.similar_incidents and repeat.similar_incidents[0].id == first.id
    assert repeat.similar_incidents[0].root_cause.kind == "bad_deploy"
