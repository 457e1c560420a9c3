"""Orchestration: the detection poll (``monitor``), the agent graph (``supervisor``), what it makes of the
agents' outputs (``merge``) and the analysis glue."""

from __future__ import annotations

from core.orchestration.merge import TopCause
from core.orchestration.supervisor import AnalysisResult, Supervisor

__all__ = ["AnalysisResult", "Supervisor", "TopCause"]
