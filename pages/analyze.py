"""Analyze a file: upload metrics (and optional baseline and logs), run the five agents, see causes, charts, report."""

import json

import streamlit as st

from app.formatting import md_escape
from app.runtime import require_runtime
from core.errors import IncidentToolError
from core.offline.analysis import OfflineAnalysis, analyze, describe_split
from core.offline.loaders import parse_logs, parse_metrics
from core.offline.sample import generate
from core.report.charts import Marker, Span, metric_figure
from core.report.escape import streamlit_markdown

RESULT_KEY = "analyze_result"
SAMPLES = {"CPU hog on one service": "cpu", "Memory hog on one service": "memory", "No fault": None}
MAX_CHARTS = 4
CHART_SERVICES = 4

runtime = require_runtime()
st.title("Analyze a file")
st.caption(
    "Root causes from a metrics CSV, without a running system: a long CSV (`time,service,metric,value`) or a "
    "wide one (a `time` column and one column per `<service>_<metric>`, e.g. `carts-db_cpu`, `catalogue_lat_90`). "
    "Without a baseline file, the first third of the file is the baseline. At most 64 MB per file. Same as "
    "`python -m core.cli analyze --metrics FILE`."
)


def run_analysis(metrics: bytes, name: str, baseline: tuple[bytes, str] | None, logs: tuple[bytes, str] | None) -> None:
    """Analyse and keep the result in the session; bad input becomes an error that says what to fix."""
    with st.status(f"Analysing {md_escape(name)}…", expanded=True) as status:
        try:
            st.write("Reading the files…")
            loaded = parse_metrics(metrics, name)
            base = parse_metrics(*baseline) if baseline else None
            events, notes = parse_logs(*logs) if logs else ([], [])
            st.write(f"Running the agents on {loaded.frame['service'].nunique()} services…")
            result = analyze(loaded, baseline=base, logs=events, settings=runtime.settings)
        except IncidentToolError as exc:
            status.update(label="The file could not be analysed", state="error")
            st.session_state.pop(RESULT_KEY, None)
            st.error(f"{exc}\n\n**What to do:** fix the file as the message says and upload it again.")
            return
        for run in result.result.runs:
            st.write(f"{run.agent_name}: {run.status} in {run.latency_ms:.0f} ms")
        status.update(label=f"Analysed {md_escape(name)}", state="complete", expanded=False)
    st.session_state[RESULT_KEY] = (result, [*result.warnings, *notes])


def _bytes(upload) -> tuple[bytes, str] | None:
    return (upload.getvalue(), upload.name) if upload is not None else None


with st.container(border=True):
    upload, side = st.columns([3, 2])
    with upload:
        metrics_file = st.file_uploader("Metrics CSV", type=["csv"], key="analyze_metrics")
        with st.expander("Optional: a baseline file and logs"):
            baseline_file = st.file_uploader("Baseline CSV (a normal period)", type=["csv"], key="analyze_baseline")
            logs_file = st.file_uploader("Logs (plain text or JSON lines)", type=None, key="analyze_logs")
        if st.button("Analyze", key="analyze_run", type="primary", disabled=metrics_file is None):
            run_analysis(metrics_file.getvalue(), metrics_file.name, _bytes(baseline_file), _bytes(logs_file))
    with side:
        st.markdown("**No file at hand?** Generate a sample: a dozen-service shop's container metrics.")
        choice = st.selectbox("Sample", list(SAMPLES), key="analyze_sample_kind")
        seed = st.number_input("Seed", min_value=0, max_value=10_000, value=7, step=1, key="analyze_sample_seed")
        if st.button("Use a sample file", key="analyze_sample", icon=":material/science:"):
            sample = generate(int(seed), hog=SAMPLES[choice])
            truth = f"{sample.kind} hog on {sample.culprit}" if sample.culprit else "no fault"
            st.caption(f"The sample has a {truth}; see whether the analysis finds it.")
            run_analysis(sample.to_csv(), f"sample-{SAMPLES[choice] or 'no-fault'}-{int(seed)}.csv", None, None)


def show_causes(result: OfflineAnalysis) -> None:
    causes = result.root_causes
    if not causes:
        st.info(f"**No cause found.** {md_escape(result.no_cause_reason or '')}", icon=":material/check_circle:")
        return
    for rank, cause in enumerate(causes, start=1):
        title = f"{rank}. **{md_escape(cause.kind)}** on **{md_escape(cause.service)}** · {cause.confidence:.0%}"
        with st.expander(title, expanded=rank == 1):
            for item in cause.evidence:
                st.markdown(f"- {md_escape(item.description)}")


def chart_metrics(result: OfflineAnalysis) -> tuple[list[str], list[str]]:
    """(metrics, services) to chart: the evidence metrics of the top causes and their services, else the
    anomalous ones."""
    causes = result.root_causes
    services = list(dict.fromkeys(c.service for c in causes))[:CHART_SERVICES]
    metrics = [e.metric for c in causes for e in c.evidence if e.metric]
    if not causes:
        anomalies = result.result.final_summary.anomalies
        services = list(dict.fromkeys(a.service for a in anomalies))[:CHART_SERVICES]
        metrics = [a.metric for a in anomalies] or sorted(result.metrics["metric"].unique())
    return list(dict.fromkeys(metrics))[:MAX_CHARTS], services


def show_charts(result: OfflineAnalysis) -> None:
    metrics, services = chart_metrics(result)
    spans = [
        Span(*result.baseline, label="baseline", kind="baseline"),
        Span(*result.window, label="analysed window", kind="incident"),
    ]
    onsets = [a for a in result.result.final_summary.anomalies if services and a.service == services[0]]
    markers = [Marker(min(a.start_ts for a in onsets), f"{services[0]} left its baseline")] if onsets else []
    st.caption("Grey: the baseline; red: the analysed window. Lines: the services of the top causes.")
    for metric in metrics:
        frame = result.metrics[result.metrics["metric"] == metric]
        shown = [s for s in services if s in set(frame["service"])] or None
        st.plotly_chart(
            metric_figure(frame, metric, spans=spans, markers=markers, services=shown), key=f"analyze_chart_{metric}"
        )


stored = st.session_state.get(RESULT_KEY)
if stored is not None:
    result, warnings = stored
    st.subheader(f"Result for {md_escape(result.name)}")
    st.caption(describe_split(result))
    for note in warnings:
        st.warning(md_escape(note), icon=":material/warning:")
    causes_tab, charts_tab, report_tab = st.tabs(["Root causes", "Charts", "Report"])
    with causes_tab:
        show_causes(result)
    with charts_tab:
        show_charts(result)
    with report_tab:
        st.markdown(streamlit_markdown(result.result.rca_markdown))
    stem = result.name.rsplit(".", 1)[0]
    left, right = st.columns(2)
    left.download_button(
        "Download the report (Markdown)",
        result.result.rca_markdown,
        file_name=f"{stem}-rca.md",
        mime="text/markdown",
        key="analyze_download_md",
    )
    right.download_button(
        "Download the result (JSON)",
        json.dumps(result.to_json(), indent=2),
        file_name=f"{stem}-analysis.json",
        mime="application/json",
        key="analyze_download_json",
    )
