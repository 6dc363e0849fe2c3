from django.tasks import task

from concertation.analysis_runs.services import execute


@task
def run_analysis(run_id: int) -> None:
    execute(run_id)
