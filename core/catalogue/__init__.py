"""Fault-kind signatures: how each kind shows in metrics and logs, where it can occur, and what to do about it.

Root-cause analysis scores every (target, kind) pair of the fault catalogue whose kind is registered here.
The signatures are grouped by what they describe: ``service_kinds`` (a service's own code and runtime),
``data_kinds`` (data stores, pools and disks) and ``edge_kinds`` (dependencies and traffic); the log cues
that several kinds read are in ``cues``. ``detected_kinds`` holds kinds only a detection rule names (a target
that stops answering): not in the demo service's catalogue, candidates only where their rule fired.
Adding a kind: "Adding a fault kind" in ``demo_service/README.md``.
"""

from core.catalogue.playbook import GENERIC_IMMEDIATE, GENERIC_PREVENTION, generic_playbook, playbook, render_steps
from core.catalogue.registry import DETECTED, SIGNATURES, candidates, detected_candidates, location_of, signature_for
from core.catalogue.signature import LATENCY, Location, LogCue, MetricCue, Signature, Step, Where

__all__ = [
    "DETECTED",
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
    "detected_candidates",
    "generic_playbook",
    "location_of",
    "playbook",
    "render_steps",
    "signature_for",
]
