"""Kubernetes containers: cAdvisor's CPU and memory per container (service = the ``container`` label).

cAdvisor also writes pod-level cgroups with an empty ``container`` (excluded by the service matcher) and the
pause container ``POD`` (excluded here). kube-state-metrics' restart counts and ``OOMKilled`` terminations
have no signal of their own in the tool yet: they are not read (see the README's honest gaps).
"""

from __future__ import annotations

from core import models as m
from core.sources.presets.model import Preset, SignalTemplate
from core.sources.presets.parts import gauge_max, rate_sum

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"
NOT_PAUSE = 'container!="POD"'
LABELS = ("container",)

KUBERNETES = Preset(
    name="kubernetes",
    title="Kubernetes containers (cAdvisor)",
    templates=(
        SignalTemplate(m.CPU_PERCENT, rate_sum(CPU, NOT_PAUSE) + " * 100", (CPU,), LABELS),
        SignalTemplate(m.MEMORY_MB, gauge_max(MEMORY, NOT_PAUSE, "/ 1048576"), (MEMORY,), LABELS),
    ),
)
