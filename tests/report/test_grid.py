"""The small multiples of the dashboard and the incident: a row per service, a column per metric, the band of faults
and incidents on top; colours, marks, axes and labels that stay readable after dozens of incidents."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from core.config import Settings
from core.models import ERROR_RATE, LATENCY_P95_MS, MEMORY_MB, Incident, InjectedFault, Signal
from core.report import band, figures, grid, palette
from core.report.charts import CHART_METRICS, HEADROOM, Point, to_utc
from tests.report.views import rich_view

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SERVICES = ("cache", "catalog", "checkout", "frontend", "payments", "postgres", "payment-gateway")
SETTINGS = Settings()


def frame(services=SERVICES, points=60, start=T0) -> pd.DataFrame:
    base = {ERROR_RATE: 0.01, LATENCY_P95_MS: 120.0, MEMORY_MB: 180.0}
    rows = [
        (start + 5 * i, service, metric, value * (1 + 0.01 * (i % 7)))
        for i in range(points)
        for service in services
        for metric, value in base.items()
    ]
    return pd.DataFrame(rows, columns=["ts", "service", "metric", "value"])


def incident(n: int, start: float, end: float | None = None, severity: str = "SEV2") -> Incident:
    signal = Signal(
        rule="memory_trend", service="checkout", metric=MEMORY_MB, value=1250, threshold=500, ts=start, message="m"
    )
    return Incident(
        id=f"{n:036d}",
        title=f"Incident {n}",
        severity=severity,
        start_time=start,
        detected_at=start + 5,
        end_time=end,
        fingerprint=f"f{n}",
        services=["checkout"],
        signals=[signal],
    )


def fault(n: int, start: float, target: str = "checkout") -> InjectedFault:
    return InjectedFault(
        id=f"f{n}", type="error_rate", target=target, intensity=1.0, started_at=start, expires_at=start + 45
    )


def axis(fig: go.Figure, name: str) -> dict:
    return fig.to_plotly_json()["layout"][name]


def test_every_service_gets_its_own_colour_the_same_whatever_else_is_drawn() -> None:
    colors = palette.service_colors(SERVICES)
    assert len(set(colors.values())) == len(SERVICES)
    assert palette.service_colors(reversed(SERVICES)) == colors
    assert palette.THRESHOLD_COLOR not in colors.values()  # red means a threshold or an incident


def test_beyond_the_palette_colours_repeat_but_every_service_has_one() -> None:
    names = [f"svc-{i}" for i in range(len(palette.PALETTE) + 3)]
    colors = palette.service_colors(names)
    assert set(colors) == set(names) and len(set(colors.values())) == len(palette.PALETTE)


def test_overlapping_bars_of_a_lane_stack_in_at_most_three_rows() -> None:
    items = [band.BandItem("incidents", T0 + i, T0 + 100 + i, f"i{i}", "d", "#000000") for i in range(10)]
    items.append(band.BandItem("faults", T0, T0 + 500, "f", "d", "#000000"))
    rows = band.pack(items)
    assert rows[:3] == [0, 1, 2] and max(rows) == band.MAX_SUBLANES - 1
    assert rows[-1] == 0  # another lane packs on its own
    later = band.BandItem("incidents", T0 + 200, T0 + 210, "late", "d", "#000000")
    assert band.pack([*items[:3], later])[-1] == 0  # a bar after the others end goes back to the first row


def test_fifty_incidents_in_fifteen_minutes_stay_a_compact_band_without_labels_per_incident() -> None:
    incidents = [incident(i, T0 + 18 * i, T0 + 18 * i + 60, ("SEV1", "SEV2", "SEV3")[i % 3]) for i in range(50)]
    faults = [fault(i, T0 + 18 * i, target=SERVICES[i % 6]) for i in range(50)]
    fig = figures.live_figure(frame(points=180), incidents, faults, SETTINGS, start=T0, end=T0 + 900, now=T0 + 900)
    layout = fig.to_plotly_json()["layout"]
    rows = len(SERVICES)  # every service with samples has its row
    assert len(layout["annotations"]) == len(CHART_METRICS) * (1 + rows)  # column titles and row names only
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.x) for t in bars) == 100 * len(CHART_METRICS)  # every fault and incident, in each column
    assert layout["yaxis"]["range"][0] >= -(2 * band.MAX_SUBLANES)  # two lanes, three rows each at most
    assert layout["height"] < 700  # the band and seven rows fit a 720 px projector's chart area


def test_fault_bars_take_their_targets_colour_and_incidents_their_severity() -> None:
    colors = palette.service_colors(SERVICES)
    items = band.fault_items([fault(1, T0, "postgres"), fault(2, T0, "elsewhere")], T0 + 60, colors)
    assert [i.color for i in items] == [colors["postgres"], palette.FAULT_COLOR]
    (open_,) = band.incident_items([incident(1, T0, severity="SEV1")], now=T0 + 30)
    assert (open_.end, open_.color) == (T0 + 30, palette.SEVERITY_COLORS["SEV1"])


def test_a_detection_mark_sits_on_its_series_and_does_not_stretch_the_axis() -> None:
    mark = Point(T0 + 12, "checkout", MEMORY_MB, 1250.0, "signal: memory_trend", kind="signal")
    fig = grid.service_grid(
        frame(services=("checkout",)),
        ["checkout"],
        [MEMORY_MB],
        colors={"checkout": "#123456"},
        thresholds={MEMORY_MB: 500.0},
        x_range=(T0, T0 + 300),
        marks=[mark],
    )
    [line, dot] = [t for t in fig.data if t.type == "scatter"]
    assert line.line.color == "#123456"
    assert list(dot.y) == [pytest.approx(180.0 * 1.02)]  # the sample at T0 + 10
    assert dot.marker.size <= 8
    assert axis(fig, "yaxis2")["range"][1] < 500  # memory far below: the threshold stays off the chart


def test_rows_of_a_column_share_an_axis_fitted_to_the_services_shown() -> None:
    data = frame(services=("checkout", "payments"))
    data.loc[(data["service"] == "payments") & (data["metric"] == LATENCY_P95_MS), "value"] = 9000.0
    kwargs = {"colors": {}, "thresholds": {LATENCY_P95_MS: 1000.0}, "x_range": (T0, T0 + 300)}
    both = grid.service_grid(data, ["checkout", "payments"], [LATENCY_P95_MS], **kwargs)
    assert axis(both, "yaxis2")["range"] == axis(both, "yaxis3")["range"]
    assert axis(both, "yaxis2")["range"][1] == pytest.approx(9000 * (1 + HEADROOM))
    alone = grid.service_grid(data, ["checkout"], [LATENCY_P95_MS], **kwargs)
    assert axis(alone, "yaxis2")["range"][1] < 1000  # payments' spike is not shown, so it does not set the scale


def test_every_row_follows_its_columns_time_axis_and_only_the_bottom_one_has_ticks() -> None:
    fig = grid.service_grid(
        frame(services=("a", "b")), ["a", "b"], [ERROR_RATE], colors={}, thresholds={}, x_range=(T0, T0 + 300)
    )
    layout = fig.to_plotly_json()["layout"]
    assert [layout[k].get("matches") for k in ("xaxis", "xaxis2", "xaxis3")] == [None, "x", "x"]
    assert [layout[k]["showticklabels"] for k in ("xaxis", "xaxis2", "xaxis3")] == [False, False, True]
    assert pd.Timestamp(layout["xaxis"]["range"][0]) == pd.Timestamp(to_utc(T0))


def test_services_in_an_open_incident_are_named_in_red_with_their_latest_value() -> None:
    open_ = incident(1, T0 + 100)
    fig = figures.live_figure(
        frame(services=("checkout", "cache")), [open_], [], SETTINGS, start=T0, end=T0 + 300, now=T0 + 300
    )
    labels = {
        a["text"]: a["font"]["color"] for a in fig.to_plotly_json()["layout"]["annotations"] if "domain" in a["xref"]
    }
    assert labels["<b>● checkout</b>  1.0%"] == palette.THRESHOLD_COLOR
    assert labels["<b>cache</b>  1.0%"] != palette.THRESHOLD_COLOR


def test_the_dashboard_starts_at_its_first_sample_and_can_show_a_few_services() -> None:
    late = frame(start=T0 + 600, points=10)
    fig = figures.live_figure(late, [], [], SETTINGS, start=T0, end=T0 + 900, now=T0 + 900, services=["postgres"])
    layout = fig.to_plotly_json()["layout"]
    assert pd.Timestamp(layout["xaxis"]["range"][0]) == pd.Timestamp(to_utc(T0 + 600))
    assert {t.name for t in fig.data if t.type == "scatter"} == {"postgres"}


def test_the_incident_grid_shows_its_services_window_baseline_and_faults() -> None:
    view = rich_view()  # checkout and frontend, from T0; top cause error_rate on checkout
    data = frame(start=T0 - 600, points=200)
    present, named = figures.charted_services(view, data)
    assert named == ["checkout", "frontend"] and set(present) == set(SERVICES)
    fig = figures.window_figure(view, data, [fault(1, T0 - 5)], SETTINGS, T0 + 95, services=named)
    layout = fig.to_plotly_json()["layout"]
    bars = [d for t in fig.data if t.type == "bar" for d in t.customdata]
    assert sum("baseline" in d for d in bars) == 3 and sum(d.startswith("fault error_rate") for d in bars) == 3
    shades = [s["name"] for s in layout["shapes"] if s["type"] == "rect"]
    assert shades.count("incident: incident") == 2 * len(CHART_METRICS)  # behind every panel
    anomaly = [t for t in fig.data if t.type == "scatter" and t.mode == "markers"]
    assert anomaly and all(t.marker.size <= 8 for t in anomaly)


def test_an_empty_window_says_so() -> None:
    empty = pd.DataFrame(columns=["ts", "service", "metric", "value"])
    fig = figures.live_figure(empty, [], [], SETTINGS, start=T0, end=T0 + 900, now=T0 + 900)
    assert any(a.text == grid.NO_SAMPLES for a in fig.layout.annotations)
    fig.to_json()


def test_hostile_names_reach_plotly_as_text() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    fig = figures.live_figure(
        frame(services=(hostile,)),
        [incident(1, T0).model_copy(update={"title": hostile})],
        [fault(1, T0, hostile)],
        SETTINGS,
        start=T0,
        end=T0 + 300,
        now=T0 + 300,
    )
    labels = [a.text for a in fig.layout.annotations] + [t.name or "" for t in fig.data]
    labels += [d for t in fig.data if t.type == "bar" for d in (*t.customdata, *t.text)]
    assert labels and all("<img" not in label for label in labels)


def test_an_open_incident_exported_after_its_data_stopped_ends_at_its_last_sample() -> None:
    view = rich_view()
    data = frame(start=T0 - 600, points=200)  # samples until T0 + 395
    fig = figures.window_figure(view, data, [], SETTINGS, T0 + 30 * 86400, services=["checkout"])
    start, end = (pd.Timestamp(x) for x in fig.to_plotly_json()["layout"]["xaxis"]["range"])
    assert start == pd.Timestamp(to_utc(T0 - 600)) and end <= pd.Timestamp(to_utc(T0 + 420))


def test_time_ticks_are_round_steps_and_few() -> None:
    assert grid.time_ticks((T0, T0 + 900)) == {"dtick": 300_000.0, "tickformat": "%H:%M"}
    assert grid.time_ticks((T0, T0 + 60)) == {"dtick": 15_000.0, "tickformat": "%H:%M:%S"}
    assert grid.time_ticks((T0, T0 + 365 * 86400)) == {}  # months: Plotly's own date ticks
