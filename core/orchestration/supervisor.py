"""The agent supervisor: runs the analysis agents as a dependency graph on an executor, one incident at a time.

Agents whose dependencies are done run at once (monitoring and log analysis in parallel, then root cause,
mitigation, reporter). A failing agent becomes an output with ``status="error"`` and the graph goes on, so
the report is partial, never lost. With an ``LLMClient`` each ok output is refined through the agent's
prompt (``core/agents/prompts``); a failed or untrustworthy refinement keeps the deterministic output and
records why. The supervisor returns data only: the caller persists the runs and updates the incident. The
report it returns is the reporter's ``ReportView`` (or, when the reporter failed, one built from the other
outputs with a fallback Markdown report), completed with every agent's state (``core.report.build``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any, NamedTuple

from core.agents.base import Agent, AnalysisContext
from core.agents.prompts import render_prompt
from core.clock import Clock
from core.errors import AgentError, LLMError
from core.llm import LLMClient
from core.models import (
    AgentOutput,
    AgentRun,
    LLMUsage,
    ReportOutput,
)
from core.orchestration.refinement import RefinementRejected, merge_refinement
from core.report.build import Findings, build_view, finish, revised
from core.report.fallback import render_fallback
from core.report.view import ReportView, ResultStatus

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, str], None]  # (agent name, "running" | "ok" | "error" | "no_data")
REPORTER = "reporter"
MAX_PROMPT_SIGNALS = 50  # detection signals quoted in a prompt


class TopCause(NamedTuple):
    """The most likely root cause of an analysis, as the incident's columns keep it."""

    service: str
    kind: str
    confidence: float


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis: every agent's output and run, the report as data and the RCA report in Markdown.

    ``status`` is "done" when every agent ended ok or no_data, "partial" when some failed but the reporter
    wrote a report, "failed" when the reporter failed (``rca_markdown`` is then a fallback listing what is
    known and what failed). ``final_summary`` is stored with the incident.
    """

    analysis_id: str
    status: ResultStatus
    outputs: dict[str, AgentOutput]
    runs: list[AgentRun]
    final_summary: ReportView
    rca_markdown: str

    @property
    def root_cause(self) -> TopCause | None:
        """The most likely root cause, None when the analysis named none."""
        top = self.final_summary.top_cause
        return TopCause(top.service, top.kind, top.confidence) if top else None


def graph_order(agents: Sequence[Agent]) -> list[str]:
    """Agent names in an order where every agent follows its dependencies; ``ValueError`` for a bad graph."""
    names = [a.name for a in agents]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"agent names must be unique; repeated: {duplicates}")
    deps = {a.name: tuple(a.depends_on) for a in agents}
    for name, needs in deps.items():
        unknown = [d for d in needs if d not in deps]
        if unknown:
            raise ValueError(f"agent {name!r} depends on {unknown}, which are not among the agents {names}")
    order: list[str] = []
    while len(order) < len(names):
        ready = [n for n in names if n not in order and all(d in order for d in deps[n])]
        if not ready:
            raise ValueError(f"the agents' dependencies form a cycle among {[n for n in names if n not in order]}")
        order += ready
    return order


class Supervisor:
    """Runs ``agents`` as a dependency graph on ``executor``; thread-safe, one ``run`` per incident analysis."""

    def __init__(
        self,
        agents: Sequence[Agent],
        executor: Executor,
        clock: Clock,
        llm: LLMClient | None = None,
        model_name: str | None = None,
    ) -> None:
        self._order = graph_order(agents)
        self._agents = {a.name: a for a in agents}
        self._executor = executor
        self._clock = clock
        self._llm = llm
        self._model_name = model_name or (getattr(llm, "model", None) if llm else None) or "unknown"

    def run(self, ctx: AnalysisContext, on_progress: ProgressCallback | None = None) -> AnalysisResult:
        """Run every agent once, dependants after their dependencies; ``on_progress`` is called from workers."""
        analysis_id = str(uuid.uuid4())
        outputs: dict[str, AgentOutput] = {}
        runs: dict[str, AgentRun] = {}
        waiting = list(self._order)
        running: dict[Future[tuple[AgentOutput, AgentRun]], str] = {}
        while waiting or running:
            for name in [n for n in waiting if all(d in outputs for d in self._agents[n].depends_on)]:
                waiting.remove(name)
                agent = self._agents[name]
                upstream = {d: outputs[d] for d in agent.depends_on}
                try:
                    future = self._executor.submit(self._step, agent, ctx, upstream, analysis_id, on_progress)
                except RuntimeError as exc:
                    raise AgentError(f"cannot start agent {name!r}: the analysis executor refused it ({exc})") from exc
                running[future] = name
            if not running:
                raise AgentError(f"agents {waiting} cannot start: their dependencies never finished")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                try:
                    outputs[name], runs[name] = future.result()
                except Exception as exc:  # a bug around the agent call: record it like an agent failure
                    log.exception("supervising agent %s failed", name)
                    outputs[name], runs[name] = self._lost(self._agents[name], ctx, analysis_id, exc)
        return self._result(ctx, analysis_id, outputs, [runs[n] for n in self._order])

    def _step(
        self,
        agent: Agent,
        ctx: AnalysisContext,
        upstream: Mapping[str, AgentOutput],
        analysis_id: str,
        on_progress: ProgressCallback | None,
    ) -> tuple[AgentOutput, AgentRun]:
        """One agent: analyze, refine, time it (wall time for latency: a virtual clock stands still)."""
        _notify(on_progress, agent.name, "running")
        started_at, t0 = self._clock.now(), time.perf_counter()
        output = _analyze(agent, ctx, upstream)
        if self._llm is not None and output.status == "ok":
            output = self._refine(agent, ctx, upstream, output)
        run = self._record(agent, ctx, upstream, analysis_id, output, started_at, time.perf_counter() - t0)
        _notify(on_progress, agent.name, output.status)
        return output, run

    def _lost(
        self, agent: Agent, ctx: AnalysisContext, analysis_id: str, exc: Exception
    ) -> tuple[AgentOutput, AgentRun]:
        """The error output and run of an agent whose supervision itself failed (a bug, not an agent error)."""
        output = agent.output_model(
            status="error", error=f"supervisor failed running {agent.name}: {type(exc).__name__}: {exc}"
        )
        return output, self._record(agent, ctx, {}, analysis_id, output, self._clock.now(), 0.0)

    def _record(
        self,
        agent: Agent,
        ctx: AnalysisContext,
        upstream: Mapping[str, AgentOutput],
        analysis_id: str,
        output: AgentOutput,
        started_at: float,
        elapsed_s: float,
    ) -> AgentRun:
        usage = output.llm
        return AgentRun(
            id=str(uuid.uuid4()),
            incident_id=ctx.incident.id,
            analysis_id=analysis_id,
            agent_name=agent.name,
            started_at=started_at,
            finished_at=self._clock.now(),
            latency_ms=elapsed_s * 1000.0,
            status=output.status,
            error=output.error,
            input_json=_input_summary(ctx, upstream, llm=self._llm is not None),
            output_json=output.model_dump(mode="json"),
            model=usage.model if usage else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def _refine(
        self, agent: Agent, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput], output: AgentOutput
    ) -> AgentOutput:
        """The LLM-refined output, or ``output`` with ``llm.error`` saying why it was kept."""
        assert self._llm is not None
        try:
            system, user = render_prompt(
                agent.name,
                evidence=prompt_evidence(ctx, upstream),
                deterministic_result=output.model_dump(mode="json", exclude={"llm"}),
                schema=agent.output_model.model_json_schema(),
            )
        except (OSError, ValueError) as exc:
            return self._kept(output, f"LLM prompt for {agent.name} unavailable: {exc}")
        try:
            refined, usage = self._llm.complete_json(system, user, agent.output_model)
        except LLMError as exc:
            return self._kept(output, str(exc))
        except Exception as exc:  # a broken client must not cost the deterministic result
            log.exception("LLM client raised a non-LLMError for agent %s", agent.name)
            return self._kept(output, f"LLM client failed: {type(exc).__name__}: {exc}")
        try:
            merged = merge_refinement(output, refined)
        except RefinementRejected as exc:
            return self._kept(output, f"LLM refinement rejected: {exc}", usage)
        return merged.model_copy(update={"llm": usage.model_copy(update={"used": True, "error": None})})

    def _kept(self, output: AgentOutput, reason: str, usage: LLMUsage | None = None) -> AgentOutput:
        log.warning("LLM refinement not used: %s", reason)
        kept = LLMUsage(
            model=usage.model if usage else self._model_name,
            used=False,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            error=f"{reason}; deterministic result kept",
        )
        return output.model_copy(update={"llm": kept})

    def _result(
        self, ctx: AnalysisContext, analysis_id: str, outputs: dict[str, AgentOutput], runs: list[AgentRun]
    ) -> AnalysisResult:
        failed = any(outputs[n].status == "error" for n in self._order)
        report = outputs.get(REPORTER)
        wrote = isinstance(report, ReportOutput) and report.status != "error" and bool(report.markdown.strip())
        view = report.view if wrote and isinstance(report, ReportOutput) else None
        if view is None:
            view = revised(build_view(ctx.incident, Findings.of(outputs), signatures=ctx.signatures), ctx.revising)
        status: ResultStatus = ("partial" if failed else "done") if wrote else "failed"
        view = finish(
            view, outputs, self._order, analysis_id=analysis_id, status=status, generated_at=self._clock.now()
        )
        if isinstance(report, ReportOutput) and wrote:
            markdown = report.markdown
        else:
            why = report.error if report is not None and report.error else "the reporter produced no report"
            markdown = render_fallback(view, why)
        return AnalysisResult(analysis_id, status, outputs, runs, view, markdown)


def _analyze(agent: Agent, ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> AgentOutput:
    """``agent.analyze``; any exception (or a wrong output type) becomes an error output of its model."""
    try:
        output = agent.analyze(ctx, upstream)
        if not isinstance(output, agent.output_model):
            raise TypeError(f"analyze returned {type(output).__name__}, expected {agent.output_model.__name__}")
        return output
    except Exception as exc:  # agents promise not to raise; one that does must not sink the analysis
        log.warning("agent %s raised %s: %s", agent.name, type(exc).__name__, exc, exc_info=True)
        return agent.output_model(status="error", error=f"{type(agent).__name__} failed: {type(exc).__name__}: {exc}")


def _notify(on_progress: ProgressCallback | None, name: str, state: str) -> None:
    if on_progress is None:
        return
    try:
        on_progress(name, state)
    except Exception:  # a broken progress display must not stop the analysis
        log.exception("progress callback failed for agent %s (state %s); the analysis goes on", name, state)


def _input_summary(ctx: AnalysisContext, upstream: Mapping[str, AgentOutput], *, llm: bool) -> dict[str, Any]:
    """What an agent was given, in counts and bounds (stored in ``agent_runs``; no data, no secrets)."""
    return {
        "incident_id": ctx.incident.id,
        "baseline_start": ctx.baseline_start,
        "baseline_end": ctx.baseline_end,
        "baseline_seconds": ctx.baseline_seconds,  # without the spans left out of it
        "window_start": ctx.window_start,
        "window_end": ctx.window_end,
        "metric_rows": _count(ctx.metrics),
        "log_lines": _count(ctx.logs),
        "signals": len(ctx.incident.signals),
        "upstream": {name: out.status for name, out in upstream.items()},
        "llm": llm,
    }


def _count(items: object) -> int | None:
    try:
        return len(items)  # type: ignore[arg-type]
    except TypeError:
        return None


def prompt_evidence(ctx: AnalysisContext, upstream: Mapping[str, AgentOutput]) -> dict[str, Any]:
    """The evidence block of a refinement prompt: incident, windows, topology, catalogue, upstream outputs."""
    incident = ctx.incident
    return {
        "incident": {
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "services": incident.services,
            "start_time": incident.start_time,
            "detected_at": incident.detected_at,
            "end_time": incident.end_time,
            "signals": [s.model_dump(mode="json") for s in incident.signals[:MAX_PROMPT_SIGNALS]],
        },
        "windows": {
            "baseline_start": ctx.baseline_start,
            "baseline_end": ctx.baseline_end,
            "window_start": ctx.window_start,
            "window_end": ctx.window_end,
        },
        "topology": ctx.topology.model_dump(mode="json"),
        "catalogue": [{"type": k.type, "description": k.description, "targets": k.targets} for k in ctx.catalogue],
        "upstream": {name: out.model_dump(mode="json", exclude={"llm"}) for name, out in upstream.items()},
    }
