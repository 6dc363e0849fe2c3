"""`manage.py check_queue`: one line for monitoring, exit status 1 when the background queue
has not moved for `QUEUE_STALL_MINUTES` (see core/queue.py), 0 otherwise."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from concertation.core.queue import stall


class Command(BaseCommand):
    help = "Dit si la file des tâches de fond avance (code de sortie 1 sinon)."

    def handle(self, *args, **options):
        stalled = stall()
        if stalled is None:
            self.stdout.write("OK : la file des tâches de fond avance.")
            return
        self.stdout.write(
            f"ALERTE : la file des tâches de fond n’avance plus depuis {stalled.minutes} min "
            f"({stalled.waiting} tâche(s) en attente) ; l’exécuteur (manage.py worker) "
            "est-il arrêté ?")
        raise SystemExit(1)
