from django.tasks import task

from concertation.synthesis.consolidation import run_detection
from concertation.synthesis.package import build


@task
def build_package(package_id: int) -> None:
    """Generate a transmission package's files (see `package.build`)."""
    build(package_id)


@task
def detect_duplicates(detection_id: int, attempt: int) -> int | None:
    """Look for the near-duplicates of a synthesis (see `consolidation.run_detection`)."""
    return run_detection(detection_id, attempt)
