"""The five deterministic analysis agents, in the order of their dependency graph."""

from __future__ import annotations

from core.agents.base import Agent, AnalysisContext
from core.agents.log_analysis import LogAnalysisAgent
from core.agents.mitigation import MitigationAgent
from core.agents.monitoring import MonitoringAgent
from core.agents.reporter import ReporterAgent
from core.agents.root_cause import RootCauseAgent
from core.logmining.miner import TemplateMiner

__all__ = [
    "Agent",
    "AnalysisContext",
    "LogAnalysisAgent",
    "MitigationAgent",
    "MonitoringAgent",
    "ReporterAgent",
    "RootCauseAgent",
    "default_agents",
]


def default_agents(miner: TemplateMiner | None = None) -> list[Agent]:
    """One instance of each agent, every agent after the ones it depends on; log analysis shares ``miner``."""
    return [MonitoringAgent(), LogAnalysisAgent(miner), RootCauseAgent(), MitigationAgent(), ReporterAgent()]
