"""Serve the site for local use: gunicorn on 127.0.0.1:8000 plus the background task worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Daily chores a production cron runs; a local install runs them every hour while serving.
CHORES_INTERVAL_S = 3600


def _chores(stop: threading.Event) -> None:
    while not stop.wait(CHORES_INTERVAL_S):
        call_command("send_reminders")


class Command(BaseCommand):
    help = "Sert le site sur http://127.0.0.1:8000 avec son exécuteur de tâches de fond."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, bind: str, workers: int, **options):
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker"])
        server = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "concertation.wsgi", "--bind", bind,
            "--workers", str(workers), "--access-logfile", "-",
        ])
        self.stdout.write(f"Concertation : http://{bind}/ (Ctrl+C pour arrêter)")
        stop = threading.Event()
        threading.Thread(target=_chores, args=(stop,), daemon=True).start()
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            for process in (server, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (server, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
