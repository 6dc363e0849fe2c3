"""Serve the site for local use: gunicorn on 127.0.0.1:8000 plus the background task worker,
restarted whenever it exits (the supervisor a production deployment gets from systemd)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Daily chores a production cron runs; a local install runs them every hour while serving.
CHORES_INTERVAL_S = 3600
WORKER_COMMAND = [sys.executable, "manage.py", "worker"]
# Seconds before a worker that exited is started again: growing while it keeps dying at once
# (a broken configuration must not spin), back to the first once it has run a minute.
RESTART_DELAYS_S = (1, 2, 5, 10, 30)
HEALTHY_AFTER_S = 60


def _chores(stop: threading.Event) -> None:
    while not stop.wait(CHORES_INTERVAL_S):
        call_command("send_reminders")


class Supervisor:
    """Keeps one process of `command` running until `stop` is set."""

    def __init__(self, command: list[str], stop: threading.Event,
                 say: Callable[[str], None] = print):
        self.command = command
        self.stop = stop
        self.say = say
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            self.process = subprocess.Popen(self.command)
            began = time.monotonic()
            code = self.process.wait()
            if self.stop.is_set():
                return
            failures = 0 if time.monotonic() - began > HEALTHY_AFTER_S else failures + 1
            delay = RESTART_DELAYS_S[min(failures, len(RESTART_DELAYS_S) - 1)]
            self.say(f"L’exécuteur des tâches de fond s’est arrêté (code {code}) ; "
                     f"redémarrage dans {delay} s.")
            self.restarts += 1
            if self.stop.wait(delay):
                return

    def terminate(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class Command(BaseCommand):
    help = "Sert le site sur http://127.0.0.1:8000 avec son exécuteur de tâches de fond."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, bind: str, workers: int, **options):
        stop = threading.Event()
        supervisor = Supervisor(WORKER_COMMAND, stop, say=self.stderr.write)
        threading.Thread(target=supervisor.run, daemon=True).start()
        server = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "concertation.wsgi", "--bind", bind,
            "--workers", str(workers), "--access-logfile", "-",
        ])
        self.stdout.write(f"Concertation : http://{bind}/ (Ctrl+C pour arrêter)")
        threading.Thread(target=_chores, args=(stop,), daemon=True).start()
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            supervisor.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
