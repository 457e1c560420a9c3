"""Alerts a team already has, taken in: Alertmanager's webhook (version 4) and a small generic shape.

``models`` holds the stored ``Alert`` and the two request bodies; ``mapping`` turns a request into alerts (the
service from a label list, the severity from a ``severity`` label, a fingerprint for generic alerts); the
store keeps them (``core.store.alerts``) and the ``alert`` detection rule (``core.detection.alert_rule``)
turns the firing ones into signals, so an alert opens or joins an incident like any other signal.
"""
