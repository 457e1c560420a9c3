"""Streaming anomaly detection: per-series learned baselines and an anomaly likelihood score in [0, 1]."""

from core.anomaly.detector import DEFAULT_ALERT_THRESHOLD, DetectorConfig, StreamingDetector, score_series

__all__ = ["DEFAULT_ALERT_THRESHOLD", "DetectorConfig", "StreamingDetector", "score_series"]
