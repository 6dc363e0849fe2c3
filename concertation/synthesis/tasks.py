from django.tasks import task

from concertation.synthesis.package import build


@task
def build_package(package_id: int) -> None:
    """Generate a transmission package's files (see `package.build`)."""
    build(package_id)
