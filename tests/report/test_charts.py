"""core/report/charts.py builds one-metric figures from frames alone: one trace per service in its own colour, a
threshold, shaded windows, marks on their lines, a y axis fitted to the lines shown."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from core.config import Settings
from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB
from core.report import charts

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def frame(services=("checkout", "payments"), metrics=(ERROR_RATE, LATENCY_P95_MS), points=10) -> pd.DataFrame:
    rows = [
        (T0 + 5 * i, service, metric, 0.01 * (i + 1) if metric == ERROR_RATE else 100.0 + i)
        for i in range(points)
        for service in services
        for metric in metrics
    ]
    return pd.DataFrame(rows, columns=["ts", "service", "metric", "value"])


def shapes(fig: go.Figure, *, kind: str) -> list:
    return [s for s in fig.layout.shapes if s.type == kind]


def test_one_trace_per_service_for_the_metric_only() -> None:
    fig = charts.metric_figure(frame(), ERROR_RATE)
    assert sorted(trace.name for trace in fig.data) == ["checkout", "payments"]
    assert all(len(trace.y) == 10 for trace in fig.data)
    assert max(fig.data[0].y) == pytest.approx(0.10)


def test_time_axis_is_utc_datetimes() -> None:
    fig = charts.metric_figure(frame(), ERROR_RATE)
    first = pd.Timestamp(fig.data[0].x[0])
    assert first == pd.Timestamp("2026-01-01 00:00:00")
    assert fig.layout.xaxis.title.text == "time (UTC)"


def test_services_argument_fixes_the_lines_even_without_data() -> None:
    fig = charts.metric_figure(frame(services=("checkout",)), ERROR_RATE, services=["checkout", "cache"])
    assert [trace.name for trace in fig.data] == ["checkout", "cache"]
    assert len(fig.data[1].y) == 0


def test_same_service_same_colour_in_every_chart() -> None:
    a = charts.metric_figure(frame(), ERROR_RATE)
    b = charts.metric_figure(frame(), LATENCY_P95_MS)
    assert {t.name: t.line.color for t in a.data} == {t.name: t.line.color for t in b.data}


def test_two_services_never_share_a_colour() -> None:
    names = [f"svc-{i}" for i in range(9)]
    fig = charts.metric_figure(frame(services=names), ERROR_RATE)
    assert len({t.line.color for t in fig.data}) == 9


def test_threshold_is_a_dashed_line_within_the_y_range_once_the_lines_come_within_half_of_it() -> None:
    fig = charts.metric_figure(frame(), LATENCY_P95_MS, threshold=200.0)  # lines at 100-109 ms
    (line,) = [s for s in shapes(fig, kind="line") if s.name == "threshold"]
    assert (line.y0, line.y1, line.line.dash) == (200.0, 200.0, "dash")
    assert fig.layout.yaxis.range[1] > 200.0
    assert any("threshold 200 ms" in a.text for a in fig.layout.annotations)


def test_a_far_threshold_does_not_flatten_the_lines() -> None:
    fig = charts.metric_figure(frame(), LATENCY_P95_MS, threshold=1000.0)  # lines at 100-109 ms
    assert not [s for s in fig.layout.shapes if s.name == "threshold"]
    assert fig.layout.yaxis.range[1] == pytest.approx(500.0 * (1 + charts.HEADROOM))  # half the threshold


def test_the_y_axis_fits_the_lines_shown_not_the_others() -> None:
    data = frame(services=("checkout", "payments"), metrics=(MEMORY_MB,))
    data.loc[data["service"] == "payments", "value"] = 1250.0
    fig = charts.metric_figure(data, MEMORY_MB, services=["checkout"])
    assert fig.layout.yaxis.range[1] == pytest.approx(109.0 * (1 + charts.HEADROOM))


def test_error_rate_threshold_shown_as_percentage() -> None:
    fig = charts.metric_figure(frame(), ERROR_RATE, threshold=0.05)
    assert any(a.text == "threshold 5.0%" for a in fig.layout.annotations)
    assert fig.layout.yaxis.tickformat == ".0%"


def test_no_threshold_no_line() -> None:
    fig = charts.metric_figure(frame(), MEMORY_MB)
    assert not [s for s in fig.layout.shapes if s.name == "threshold"]


def test_spans_are_shaded_behind_the_lines() -> None:
    spans = [charts.Span(T0, T0 + 45, "incident"), charts.Span(T0 - 60, T0, "baseline", kind="baseline")]
    fig = charts.metric_figure(frame(), ERROR_RATE, spans=spans)
    rects = shapes(fig, kind="rect")
    assert [r.fillcolor for r in rects] == [charts.INCIDENT_FILL, charts.BASELINE_FILL]
    assert pd.Timestamp(rects[0].x1) == pd.Timestamp(charts.to_utc(T0 + 45))
    assert all(r.yref == "paper" and r.layer == "below" for r in rects)


def test_a_marker_is_a_vertical_line_with_its_label() -> None:
    fig = charts.metric_figure(frame(), ERROR_RATE, markers=[charts.Marker(T0 + 5, "checkout left its baseline")])
    (line,) = shapes(fig, kind="line")
    assert pd.Timestamp(line.x0) == pd.Timestamp(charts.to_utc(T0 + 5))
    assert any(a.text == "checkout left its baseline" for a in fig.layout.annotations)


def test_incident_window_figure_zooms_to_baseline_and_window() -> None:
    fig = charts.incident_window_figure(
        frame(points=200), ERROR_RATE, window_start=T0 + 600, window_end=T0 + 900, baseline_seconds=600
    )
    start, end = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert start == pd.Timestamp(charts.to_utc(T0))
    assert pd.Timestamp(charts.to_utc(T0 + 900)) < end <= pd.Timestamp(charts.to_utc(T0 + 940))
    names = [s.name for s in shapes(fig, kind="rect")]
    assert names == ["baseline: baseline", "incident: incident"]


def test_empty_frame_gives_an_explained_empty_chart() -> None:
    empty = pd.DataFrame(columns=["ts", "service", "metric", "value"])
    fig = charts.metric_figure(empty, ERROR_RATE, threshold=0.05)
    assert not fig.data
    assert any("No samples" in a.text for a in fig.layout.annotations)
    fig.to_json()  # serialisable for st.plotly_chart


def test_thresholds_come_from_settings() -> None:
    settings = Settings(error_rate_threshold=0.1, latency_p95_threshold_ms=800, memory_threshold_mb=300)
    assert charts.thresholds(settings) == {ERROR_RATE: 0.1, LATENCY_P95_MS: 800, MEMORY_MB: 300}


def test_figures_serialise() -> None:
    fig = charts.metric_figure(
        frame(), ERROR_RATE, threshold=0.05, markers=[charts.Marker(T0, "fault")], x_range=(T0, T0 + 60)
    )
    assert '"type":"date"' in fig.to_json().replace(" ", "")


def test_long_series_are_thinned_but_keep_their_peak() -> None:
    data = frame(services=("checkout",), metrics=(LATENCY_P95_MS,), points=5000)
    data.loc[2500, "value"] = 9999.0
    fig = charts.metric_figure(data, LATENCY_P95_MS, max_points=500)
    (trace,) = fig.data
    assert len(trace.y) <= 500
    assert max(trace.y) == 9999.0
    assert list(trace.x) == sorted(trace.x)


def test_anomalies_and_signals_are_marked_on_their_metric_and_service() -> None:
    from core.models import Anomaly, Signal

    up = {"start_ts": T0, "peak_ts": T0 + 20, "baseline": 0.01, "observed": 0.05, "score": 9.0, "direction": "up"}
    anomaly = Anomaly(service="checkout", metric=ERROR_RATE, **up)
    signal = Signal(
        rule="latency_p95", service="payments", metric=LATENCY_P95_MS, value=1500, threshold=1000, ts=T0, message="m"
    )
    points = charts.anomaly_points([anomaly], [signal])
    errors = charts.metric_figure(frame(), ERROR_RATE, points=points)
    [marked] = [t for t in errors.data if t.mode == "markers"]
    assert (marked.name, list(marked.y)) == ("anomalies", [0.05])  # the line's sample at the peak (T0 + 20)
    assert marked.marker.size <= 8
    latency = charts.metric_figure(frame(), LATENCY_P95_MS, points=points, services=["checkout"])
    assert not [t for t in latency.data if t.mode == "markers"]  # payments is not shown, so neither is its signal


def test_a_mark_sits_on_its_line_whatever_value_its_signal_carries() -> None:
    from core.models import Signal

    forecast = Signal(
        rule="memory_trend", service="checkout", metric=MEMORY_MB, value=1250, threshold=500, ts=T0 + 12, message="m"
    )
    fig = charts.metric_figure(frame(metrics=(MEMORY_MB,)), MEMORY_MB, points=charts.anomaly_points([], [forecast]))
    [marked] = [t for t in fig.data if t.mode == "markers"]
    assert list(marked.y) == [102.0]  # the sample at T0 + 10, nearest the signal, not the 1,250 MB forecast
    assert fig.layout.yaxis.range[1] < 500


def test_untrusted_labels_reach_plotly_as_text() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    fig = charts.metric_figure(frame(services=(hostile,)), ERROR_RATE, spans=[charts.Span(T0, T0 + 10, hostile)])
    assert fig.data[0].name == "&lt;img src=x onerror=alert(1)&gt;"
    assert all("<img" not in a.text for a in fig.layout.annotations)
