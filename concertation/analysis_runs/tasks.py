"""The path that analyses queued before the task moved into `services.py` still name."""

from concertation.analysis_runs.services import run_analysis

__all__ = ["run_analysis"]
