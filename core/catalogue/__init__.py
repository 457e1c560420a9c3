"""Fault-kind signatures: how each kind shows in metrics and logs, where it can occur, and what to do about it.

Root-cause analysis scores every (target, kind) pair of the fault catalogue whose kind is registered here.
Adding a kind is a local change: write one ``Signature`` (cues, locations, playbook) in ``seed_kinds`` or
``more_kinds`` and list it in ``registry``; nothing else needs to know about it.
"""

from core.catalogue.playbook import GENERIC_IMMEDIATE, GENERIC_PREVENTION, generic_playbook, playbook, render_steps
from core.catalogue.registry import SIGNATURES, candidates, location_of, signature_for
from core.catalogue.signature import LATENCY, Location, LogCue, MetricCue, Signature, Step, Where

__all__ = [
    "GENERIC_IMMEDIATE",
    "GENERIC_PREVENTION",
    "LATENCY",
    "SIGNATURES",
    "Location",
    "LogCue",
    "MetricCue",
    "Signature",
    "Step",
    "Where",
    "candidates",
    "generic_playbook",
    "location_of",
    "playbook",
    "render_steps",
    "signature_for",
]
