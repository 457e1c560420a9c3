"""The one home of the incident report: a typed ``ReportView`` (``view``), built once per analysis (``build``),
stored as the incident's ``final_summary`` and read back leniently (``stored``), rendered to Markdown
(``markdown``, and ``fallback`` when the reporter failed), HTML with charts (``html_page``; ``charts`` for one
metric, ``grid`` for services × metrics under a ``band`` of faults and incidents, ``palette``, and ``figures`` for
the dashboard's and an incident's grid), JSON and CSV (``exports``), with one escaping module (``escape``) for
core and app. ``timeline`` folds the report's key events; ``detection`` counts both detection delays.

Import the submodules; this package imports nothing heavy. ``core.models`` comes first because the
incident model and the view refer to each other (``Incident.final_summary`` is a ``ReportView``).
"""

import core.models  # noqa: F401
