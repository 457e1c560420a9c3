"""The process-wide runtime: settings, clock, store, sources, scheduler and analysis, wired once.

The Streamlit app builds one ``Runtime`` per server process (``app/runtime.py``); the CLI builds one per
command. Pages and commands call these methods instead of touching DuckDB, HTTP or OpenAI themselves. The
embedded demo service comes from the caller (``demo=DemoService``): ``core`` never imports ``demo_service``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from core.agents import default_agents
from core.alerts.mapping import from_alertmanager, from_generic
from core.alerts.models import Alert, AlertmanagerPayload, GenericAlert
from core.clock import Clock, SystemClock
from core.config import Settings
from core.detection.lifecycle import IncidentEvent, IncidentTracker
from core.detection.log_rules import LogPatternRule
from core.detection.promise import Expected, expected_detection
from core.errors import ConfigError, SourceError
from core.llm import OpenAILLM
from core.memory import recall
from core.models import REQUEST_RATE, ActiveFault, FaultKind, Feedback, FeedbackVerdict, Incident, InjectedFault
from core.notify.notifier import Notifier
from core.orchestration.analysis import AnalysisService
from core.orchestration.monitor import Monitor
from core.orchestration.queue import AnalysisQueue
from core.orchestration.supervisor import ProgressCallback, Supervisor
from core.report.exports import Export, export_incident
from core.scheduler import DetectionScheduler
from core.self_metrics import SelfMetrics
from core.sources.demo import DemoFactory, DemoLogSource, DemoMetricsSource, DemoServiceClient, EmbeddedDemo, open_demo
from core.sources.factory import Sources, prometheus_loki_sources
from core.sources.presets.model import DiscoveryStatus
from core.store import Store
from core.store.alerts import Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceStatus:
    """Health of one data source as the status page shows it."""

    name: str  # "demo metrics", "demo logs", "prometheus", ...
    target: str  # URL or path, never credentials
    ok: bool
    last_success: float | None
    last_error: str | None
    last_error_at: float | None


@dataclass(frozen=True)
class SchedulerStatus:
    """Health of the background detection loop."""

    running: bool
    interval_seconds: float
    ticks: int
    last_tick: float | None
    last_tick_duration_ms: float | None
    next_run: float | None
    last_error: str | None
    last_error_at: float | None


class Runtime:
    """Everything one process needs; build with ``Runtime.start(settings)`` and ``close()`` at exit."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        store: Store,
        sources: Sources,
        client: DemoServiceClient | None,
        *,
        embedded: EmbeddedDemo | None = None,
        synchronous_analysis: bool = False,
        new_id: Callable[[], str] | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.client = client
        self._embedded = embedded
        self._catalogue: list[FaultKind] | None = None
        self.self_metrics = SelfMetrics()
        self.notifier = notifier or Notifier.disabled(settings, store)
        self._agent_pool = ThreadPoolExecutor(settings.analysis_workers, thread_name_prefix="agent")
        llm = OpenAILLM(settings) if settings.llm_enabled else None
        # its template miner is shared by detection and log analysis
        log_rule = LogPatternRule(
            min_lines=settings.log_pattern_min_lines, surge_factor=settings.log_pattern_surge_factor
        )
        agents = default_agents(log_rule.miner)
        supervisor = Supervisor(
            agents, self._agent_pool, clock, llm=llm, model_name=settings.openai_model if llm else None
        )
        self.monitor = Monitor(
            settings=settings,
            clock=clock,
            store=store,
            metrics=sources.metrics,
            logs=sources.logs,
            tracker=IncidentTracker(settings, new_id=new_id) if new_id else IncidentTracker(settings),
            log_rule=log_rule,
            on_event=self._on_incident_event,
            after_poll=lambda: self.queue.poll(),
        )
        self.analysis = AnalysisService(
            settings=settings,
            clock=clock,
            store=store,
            supervisor=supervisor,
            topology=self.monitor.topology,
            catalogue=self._analysis_catalogue,
            on_runs=self.self_metrics.agent_runs,
            on_analyzed=self._on_analyzed,
        )
        self.queue = AnalysisQueue(self.analysis, clock, synchronous=synchronous_analysis)
        self.scheduler = DetectionScheduler(self._poll, settings.detection_interval_seconds, clock)

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        demo: DemoFactory | None = None,
        clock: Clock | None = None,
        run_scheduler: bool = True,
        synchronous_analysis: bool = False,
        new_id: Callable[[], str] | None = None,
        write_behind_seconds: float = 0.0,
        in_process_demo: bool = False,
        notify: bool = True,
    ) -> Runtime:
        """Open the store, connect the sources (in simulated mode the demo service at DEMO_SERVICE_URL, or
        one built with ``demo`` and served here), start the scheduler thread and, with ``notify``, the
        notification sender (the channels of NOTIFICATIONS_FILE / NOTIFY_WEBHOOK_URL; it resumes the outbox).
        ``write_behind_seconds`` is the store's (see ``Store``): 0, write each poll at once, except in
        simulations; ``in_process_demo`` reaches the embedded demo service without a socket (simulations; the
        app keeps real HTTP)."""
        clock = clock or SystemClock()
        store = Store(settings.incident_db_path, write_behind_seconds=write_behind_seconds)
        embedded: EmbeddedDemo | None = None
        try:
            notifier = Notifier.from_settings(settings, store) if notify else None
            client: DemoServiceClient | None = None
            if settings.data_mode == "prometheus_loki":
                sources = prometheus_loki_sources(settings)
                if settings.demo_service_url:  # only for fault injection
                    client, _ = open_demo(settings.demo_service_url, clock, settings.demo_seed, None)
            else:
                client, embedded = open_demo(
                    settings.demo_service_url, clock, settings.demo_seed, demo, in_process=in_process_demo
                )
                sources = Sources(DemoMetricsSource(client), DemoLogSource(client))
            runtime = cls(
                settings,
                clock,
                store,
                sources,
                client,
                embedded=embedded,
                synchronous_analysis=synchronous_analysis,
                new_id=new_id,
                notifier=notifier,
            )
        except Exception:
            if embedded is not None:
                embedded.stop()
            store.close()
            raise
        interrupted = store.mark_interrupted_analyses()
        if interrupted:
            log.warning("analyses interrupted by the last shutdown: %s", ", ".join(interrupted))
        for incident in store.open_incidents():  # revised while open, also across a restart
            runtime.queue.track(incident)
        if run_scheduler:
            try:
                runtime.scheduler.start()
            except RuntimeError:
                runtime.close()
                raise
        runtime.notifier.start()
        return runtime

    def close(self) -> None:
        """Stop the scheduler, the executors, the notification sender and the embedded demo service; close the
        store (undelivered notifications stay in its outbox for the next start)."""
        self.scheduler.stop()
        self.queue.close()
        self.notifier.close()
        self._agent_pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self._embedded is not None:
            self._embedded.stop()
        self.store.close()

    # --- detection -----------------------------------------------------------------------------

    def _poll(self) -> list[str]:
        started = time.perf_counter()
        report = self.monitor.tick()
        self.self_metrics.poll(time.perf_counter() - started, report.failed_sources)
        return list(report.errors)

    def _on_incident_event(self, event: IncidentEvent) -> None:
        if event.kind == "opened":
            self.self_metrics.opened(event.incident.severity)
        self.notifier.on_incident_event(event)  # first: a synchronous analysis must not be told before its opening
        self.queue.on_event(event)

    # --- alerts --------------------------------------------------------------------------------

    def receive_alertmanager(self, payload: AlertmanagerPayload) -> tuple[list[Alert], list[Outcome]]:
        """Store the alerts of one Alertmanager webhook delivery (idempotent), with what each did (new,
        changed, duplicate); the next poll opens or joins their incidents."""
        alerts = from_alertmanager(payload, self.settings.service_labels, self.clock.now())
        outcomes = self.store.save_alerts(alerts)
        self.self_metrics.alerts("alertmanager", [alert.status for alert in alerts])
        return alerts, outcomes

    def receive_alert(self, body: GenericAlert) -> tuple[Alert, Outcome]:
        """Store one generic alert; without ``starts_at`` it updates the same alert while that one fires."""
        alert = from_generic(body, self.clock.now())
        if body.starts_at is None:
            firing_since = self.store.latest_firing_start(alert.fingerprint)
            if firing_since is not None:
                alert = alert.model_copy(update={"starts_at": firing_since})
        (outcome,) = self.store.save_alerts([alert])
        self.self_metrics.alerts("generic", [alert.status])
        return alert, outcome

    # --- status --------------------------------------------------------------------------------

    def scheduler_status(self) -> SchedulerStatus:
        """The detection loop's health."""
        s = self.scheduler
        return SchedulerStatus(
            running=s.running,
            interval_seconds=s.interval_seconds,
            ticks=s.ticks,
            last_tick=s.last_tick,
            last_tick_duration_ms=s.last_tick_duration_ms,
            next_run=s.next_run,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
        )

    def source_statuses(self) -> list[SourceStatus]:
        """Health of each polled source."""
        return [
            SourceStatus(h.name, h.target, h.ok, h.last_success, h.last_error, h.last_error_at)
            for h in self.monitor.health.values()
        ]

    def metrics_discovery(self) -> DiscoveryStatus | None:
        """What the Prometheus source found (presets, queries, edges and their origins, signals per service),
        without a request; None for a source that discovers nothing (the demo service)."""
        discovery = getattr(self.monitor.metrics, "discovery", None)
        return discovery() if callable(discovery) else None

    def demo_service_url(self) -> str | None:
        """Base URL of the demo service (embedded or configured); None when there is none."""
        return self.client.base_url if self.client is not None else None

    def demo_health(self) -> dict | None:
        """The demo service's /health answer, or None when it is unreachable or not configured."""
        if self.client is None:
            return None
        try:
            return self.client.health()
        except SourceError:
            return None

    def _demo(self) -> DemoServiceClient:
        if self.client is None:
            raise ConfigError(
                "Fault injection needs the demo service, and none is configured: in DATA_MODE=prometheus_loki "
                "set DEMO_SERVICE_URL (e.g. http://127.0.0.1:8001) to use a standalone one."
            )
        return self.client

    def _analysis_catalogue(self) -> list[FaultKind]:
        """The demo service's catalogue when there is one; empty (every known kind) otherwise."""
        if self.client is None:
            return []
        try:
            return self.fault_catalogue()
        except SourceError as exc:
            log.warning("fault catalogue unavailable, analysing against every known kind: %s", exc)
            return []

    # --- faults --------------------------------------------------------------------------------

    def fault_catalogue(self) -> list[FaultKind]:
        """The demo service's fault kinds (raises SourceError when unreachable)."""
        if self._catalogue is None:
            self._catalogue = self._demo().faults().catalogue
        return self._catalogue

    def active_faults(self) -> list[ActiveFault]:
        """Active faults as the demo service reports them."""
        return self._demo().faults().active

    def inject_fault(
        self, type_: str, target: str | None = None, intensity: float = 1.0, duration_seconds: float = 120
    ) -> InjectedFault:
        """POST the fault to the demo service and record it; FaultRequestError carries the refusal."""
        fault = self._demo().inject(type_, target, intensity, duration_seconds)
        self.store.save_fault(fault)
        self.monitor.note_fault(fault.id, fault.started_at, fault.expires_at)
        return fault

    def request_rate(self, service: str) -> float | None:
        """Requests per second ``service`` answered over the last minute; None without samples (or metrics)."""
        now = self.clock.now()
        frame = self.store.metrics_frame(now - 60.0, now, services=[service], metrics=[REQUEST_RATE])
        return None if frame.empty else float(frame["value"].mean())

    def expected_detection(self, kind: str, target: str) -> Expected:
        """How long detection of ``kind`` on ``target`` should take at the target's current traffic."""
        return expected_detection(kind, self.request_rate(target), self.settings)

    def stop_fault(self, fault_id: str) -> None:
        """Stop one fault early."""
        self._demo().stop_fault(fault_id)
        self.store.mark_faults_stopped(self.clock.now(), fault_id)
        if fault_id in self.monitor.faults:
            self.monitor.note_fault(fault_id, self.monitor.faults[fault_id][0], self.clock.now())

    def stop_all_faults(self) -> int:
        """Stop every active fault; returns how many were stopped."""
        stopped = self._demo().stop_all()
        self.store.mark_faults_stopped(self.clock.now())
        for fault_id, (start, _) in list(self.monitor.faults.items()):
            self.monitor.note_fault(fault_id, start, self.clock.now())
        return stopped

    # --- incidents -----------------------------------------------------------------------------

    def analyze(self, incident_id: str, on_progress: ProgressCallback | None = None) -> Incident:
        """Run the five agents on the incident now (blocking) and store the result."""
        return self.analysis.analyze(incident_id, on_progress)

    def submit_analysis(
        self, incident_id: str, on_progress: ProgressCallback | None = None, *, again_if_running: bool = False
    ) -> Future[Incident]:
        """Queue an analysis on request (see ``AnalysisQueue.submit``)."""
        return self.queue.submit(incident_id, on_progress, again_if_running=again_if_running)

    def acknowledge(self, incident_id: str, by: str, note: str = "") -> Incident:
        """Record who took the incident, and when."""
        changes: dict[str, Any] = {"acknowledged_by": by or "anonymous", "acknowledged_at": self.clock.now()}
        if note:
            changes["resolution_note"] = note
        incident = self.store.update_incident(incident_id, **changes)
        self.notifier.on_acknowledged(incident)
        return incident

    def resolve(self, incident_id: str, by: str, note: str = "") -> Incident:
        """Close the incident by hand."""
        now = self.clock.now()
        incident = self.store.get_incident(incident_id)
        resolved = self.store.update_incident(
            incident_id,
            status="RESOLVED",
            end_time=incident.end_time or now,
            updated_at=now,
            resolved_by=by or "anonymous",
            resolution_note=note or None,
        )
        if incident.status != "RESOLVED":
            self.queue.resolved(incident_id)  # analysed once more, over the whole incident
            self.notifier.on_resolved(resolved)
        return resolved

    def give_feedback(
        self, incident_id: str, verdict: FeedbackVerdict, actual_cause: str = "", by: str = "", note: str = ""
    ) -> Feedback:
        """Record an analyst's verdict on the incident's RCA (``NotFoundError`` for an unknown incident)."""
        feedback = Feedback(
            incident_id=incident_id,
            verdict=verdict,
            actual_cause=actual_cause,
            by=by or "anonymous",
            note=note,
            created_at=self.clock.now(),
        )
        self.store.save_feedback(feedback)
        recall.record(self.store, self.store.get_incident(incident_id), self.clock.now())  # confirmed causes
        return feedback

    def _on_analyzed(self, incident: Incident) -> None:
        """After every analysis: refresh the incident's fingerprint, then tell the notifier."""
        recall.record(self.store, incident, self.clock.now())
        self.notifier.on_analyzed(incident)

    def export(self, incident_id: str, fmt: str) -> Export:
        """The incident as (file name, MIME type, content) for fmt "md", "html", "json" or "csv"."""
        return export_incident(self.store, incident_id, fmt, settings=self.settings, now=self.clock.now())
