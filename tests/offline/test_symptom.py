"""``--symptom SERVICE[:METRIC]``: the alert's subject, matched against the file's services and series."""

from __future__ import annotations

import pandas as pd
import pytest

from core.models import ALERT_RULE
from core.offline.loaders import InputError
from core.offline.symptom import parse_symptom

FRAME = pd.DataFrame(
    {
        "ts": [0.0] * 4,
        "service": ["frontend", "frontend", "orders::v2", "orders::v2"],
        "metric": ["latency", "availability", "latency_p99", "cpu"],
        "value": [1.0] * 4,
    }
)


@pytest.mark.parametrize(
    ("text", "service", "metric"),
    [
        ("frontend", "frontend", None),
        ("frontend:latency", "frontend", "latency"),
        ("frontend:Latency Average", "frontend", "latency"),
        ("frontend:errors", "frontend", "errors"),  # a failure symptom: availability shows it
        ("orders::v2", "orders::v2", None),
        ("orders::v2:latency", "orders::v2", "latency"),  # matches latency_p99 by the symptom it shows
    ],
)
def test_the_alert_signal(text: str, service: str, metric: str | None) -> None:
    signal = parse_symptom(text, FRAME, 42.0)
    assert (signal.rule, signal.service, signal.metric, signal.ts) == (ALERT_RULE, service, metric, 42.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("backend", "no service 'backend' in the metrics"),
        ("backend:latency", "no service 'backend' in the metrics"),
        ("orders::v2:availability", "orders::v2 has no 'availability' series"),
    ],
)
def test_a_symptom_the_file_cannot_show_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_symptom(text, FRAME, 0.0)
