"""`manage.py worker`: django-tasks-db's `db_worker` (same options) with the loop of
`core/worker.py`, which retries database errors instead of exiting on them."""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from concertation.core.worker import SurvivingWorker


class Command(db_worker.Command):
    help = "Exécute les tâches de fond ; une erreur de base de données est réessayée."
    # The system checks probe the database (SQLite's JSON support, in a transaction that
    # takes the write lock): a worker started while another process holds the lock would
    # die on them. The web server and `migrate` run them; the worker waits for its database.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        # The parent builds its worker from the module's `Worker` name: give it ours for the
        # duration of this command only.
        original = db_worker.Worker
        db_worker.Worker = SurvivingWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
