"""Orchestration: the detection poll (``monitor``), the agent graph (``supervisor``, whose report is built by
``core.report``) and the analysis glue."""

from __future__ import annotations

from core.orchestration.supervisor import AnalysisResult, Supervisor, TopCause

__all__ = ["AnalysisResult", "Supervisor", "TopCause"]
