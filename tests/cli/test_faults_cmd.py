"""``python -m core.cli faults``: the embedded demo shop's whole catalogue, with each kind's targets."""

import json

import pytest

from core.cli.main import main
from tests.demo_service.helpers import FAULT_KINDS


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.delenv("DEMO_SERVICE_URL", raising=False)  # the embedded demo service
    assert main(["faults", *args]) == 0
    return capsys.readouterr().out


def test_faults_json_lists_every_kind_with_its_targets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = json.loads(_run(monkeypatch, capsys, "--json"))
    kinds = {kind["type"]: kind for kind in body["catalogue"]}
    assert set(kinds) == FAULT_KINDS
    assert kinds["cpu_saturation"]["targets"] == ["frontend", "catalog", "checkout", "payments", "postgres", "cache"]
    assert kinds["disk_full"]["targets"] == ["frontend", "checkout", "payments", "postgres"]
    assert kinds["traffic_surge"]["targets"] == ["frontend"]
    for kind in kinds.values():
        assert kind["description"] and kind["default_target"] in kind["targets"]
    assert body["active"] == []


def test_faults_text_aligns_every_kind(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _run(monkeypatch, capsys).splitlines()
    assert len(lines) == 2 * len(FAULT_KINDS)
    columns = {line.index("targets: ") for line in lines[::2]}
    assert len(columns) == 1, "the targets column lines up even for the longest kind name"
