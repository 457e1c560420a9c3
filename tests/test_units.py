"""Values and times as the reports print them."""

from __future__ import annotations

import pytest

from core.models import CPU_PERCENT, ERROR_RATE, REQUEST_RATE
from core.units import format_value, percent, utc


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        (ERROR_RATE, 0.0512, "5.1%"),
        ("latency_p95_ms", 1234.4, "1,234 ms"),
        ("memory_mb", 512.2, "512 MB"),
        (REQUEST_RATE, 41.25, "41.2 req/s"),
        (CPU_PERCENT, 93.4, "93%"),
        ("memory", 1234.5, "1,234"),  # a container metric without a unit: no 1.23e+03
        ("memory", -56789.0, "-56,789"),
        ("lat_90", 202.4, "202"),
        ("lat_90", 0.000123, "0.000123"),
        ("lat_90", float("nan"), "nan"),
    ],
)
def test_format_value(metric: str, value: float, text: str) -> None:
    assert format_value(metric, value) == text


def test_utc_and_percent() -> None:
    assert utc(1_767_225_605) == "2026-01-01T00:00:05Z"
    assert utc(float("inf")).endswith("(invalid time)")
    assert percent(0.954) == "95%"
