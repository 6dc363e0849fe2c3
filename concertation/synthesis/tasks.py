"""The paths that packages and detections queued before their tasks moved next to what
queues them (`package.py`, `consolidation.py`) still name."""

from concertation.synthesis.consolidation import detect_duplicates
from concertation.synthesis.package import build_package

__all__ = ["build_package", "detect_duplicates"]
