"""Stored alerts as the detection loop reads them at every poll: firing and unlinked ones follow every write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import core.store.alerts as alerts_module
from core.alerts.models import Alert
from core.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "alerts.duckdb")
    yield s
    s.close()


def alert(status: str = "firing", fingerprint: str = "f1", ends_at: float | None = None) -> Alert:
    return Alert.model_validate(
        {
            "source": "generic",
            "fingerprint": fingerprint,
            "starts_at": 100.0,
            "name": "CheckoutErrors",
            "status": status,
            "service": "checkout",
            "severity": "SEV2",
            "ends_at": ends_at,
            "received_at": 100.0,
            "last_received_at": 100.0,
        }
    )


def test_firing_and_unlinked_alerts_follow_every_write(store: Store) -> None:
    assert store.firing_alerts(150.0) == [] and store.unlinked_firing_alerts() == []
    store.save_alerts([alert()])
    assert [a.fingerprint for a in store.firing_alerts(150.0)] == ["f1"]
    (unlinked,) = store.unlinked_firing_alerts()
    store.link_alert(unlinked, "incident-1")
    assert store.unlinked_firing_alerts() == []
    assert [a.incident_id for a in store.firing_alerts(150.0)] == ["incident-1"]
    store.save_alerts([alert(fingerprint="f2", ends_at=200.0)])
    assert [a.fingerprint for a in store.firing_alerts(150.0)] == ["f1", "f2"]
    assert [a.fingerprint for a in store.firing_alerts(250.0)] == ["f1"]  # f2 announced its end
    store.save_alerts([alert("resolved", ends_at=180.0), alert("resolved", fingerprint="f2", ends_at=180.0)])
    assert store.firing_alerts(150.0) == [] and store.unlinked_firing_alerts() == []


def test_a_count_overtaken_by_a_write_is_not_kept(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    count = alerts_module.scalar

    def count_then_alert_arrives(*args: object) -> object:
        found = count(*args)  # type: ignore[arg-type]
        store.save_alerts([alert()])  # delivered while the count was running
        return found

    monkeypatch.setattr(alerts_module, "scalar", count_then_alert_arrives)
    assert store.firing_alerts(150.0) == []  # none fired when the count began
    monkeypatch.undo()
    assert [a.fingerprint for a in store.firing_alerts(150.0)] == ["f1"]
