"""The background worker survives its database (issue 16): a lock held past SQLite's busy
timeout, or a worker killed outright, neither stops the mail nor sends a message twice; a
queue that no longer moves is said on the organisers' home page and by `check_queue`; a
request that cannot get the lock answers the « réessayez » page (503), not a 500."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from concertation.core import worker as worker_module
from concertation.core.management.commands import serve
from concertation.core.views import server_error
from tests.factories import agency_organiser
from tests.smtp import smtp_server

ROOT = Path(__file__).resolve().parents[2]
MAILS = 6

# Run inside the test's own project (its SQLite file): N registrations to a day, each with
# its confirmation queued in the outbox by the sign-up service, as a sign-up does.
SETUP = f"""
from tests.factories import EventFactory, WorkshopFactory, applicant
from concertation.registrations import services
event = EventFactory(open=True, capacity=100)
workshop = WorkshopFactory(event=event)
for i in range({MAILS}):
    services.register(event=event, applicant=applicant(email=f"p{{i}}@example.org"),
                      workshops=[workshop])
"""
REPORT = """
from concertation.core.models import OutgoingEmail
print(sorted((e.attempts, e.sent_at is not None) for e in OutgoingEmail.objects.all()))
"""


def _project_env(var_dir: Path, smtp_port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(CONCERTATION_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="concertation.settings",
               EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port), SQLITE_BUSY_TIMEOUT="1",
               PYTHONPATH=str(ROOT))
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _worker(env: dict[str, str], command: str = "worker") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", command], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def project(tmp_path):
    """A project of its own on an SQLite file (the embedded default of `make run`), with a
    mail server on loopback, outside pytest-django's database."""
    with smtp_server() as (port, mailbox):
        env = _project_env(tmp_path, port)
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "shell", "-c", SETUP)
        yield env, mailbox, tmp_path / "concertation.sqlite3"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="the SQLite lock; the project it starts is on SQLite either way")
def test_a_locked_database_and_a_killed_worker_lose_no_mail_and_send_none_twice(project):
    env, mailbox, database = project
    # Another process takes SQLite's write lock and keeps it, past the workers' busy timeout.
    lock = sqlite3.connect(database, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        first = _worker(env)
        # django-tasks-db's own worker exits on the first `database is locked`; ours waits.
        time.sleep(4)
        assert first.poll() is None, first.stderr.read()[-2000:]
        first.send_signal(signal.SIGKILL)  # killed outright, as the OOM killer would
        first.wait(timeout=10)
        first.stderr.close()
        second = _worker(env)
        time.sleep(2)
        assert second.poll() is None
        assert mailbox.messages == []  # nothing could go while the lock was held
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    try:
        assert _wait_for(lambda: len(mailbox.messages) >= MAILS, timeout=60), (
            f"{len(mailbox.messages)} courriel(s) reçu(s) sur {MAILS}")
        time.sleep(2)  # a duplicate would come now
    finally:
        second.terminate()
        second.wait(timeout=20)
        second.stderr.close()
    recipients = sorted(address for message in mailbox.messages
                        for address in message.recipients)
    assert recipients == sorted(f"p{i}@example.org" for i in range(MAILS))
    # Each row sent at its first attempt: the lock cost time, not an attempt.
    assert _manage(env, "shell", "-c", REPORT).splitlines()[-1] == str([(1, True)] * MAILS)


def test_a_database_error_recording_a_result_is_tried_again():
    calls, sleeps = [], []

    def record():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "recorded"

    assert worker_module.retrying(record, sleep=sleeps.append)() == "recorded"
    assert sleeps == [1.0, 2.0]
    assert worker_module.backoff(10) == worker_module.MAX_DELAY_S


def test_a_worker_asked_to_stop_gives_up_retrying():
    def record():
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        worker_module.retrying(record, sleep=lambda s: None, running=lambda: False)()


def test_the_supervisor_starts_a_worker_again_when_it_exits(monkeypatch):
    monkeypatch.setattr(serve, "RESTART_DELAYS_S", (0.05,))
    stop, said = threading.Event(), []
    supervisor = serve.Supervisor([sys.executable, "-c", "raise SystemExit(3)"], stop,
                                  say=said.append)
    thread = threading.Thread(target=supervisor.run)
    thread.start()
    try:
        assert _wait_for(lambda: supervisor.restarts >= 3, timeout=20)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert "s’est arrêté (code 3)" in said[0]


def _stalled_task(minutes: int) -> None:
    from django_tasks_db.models import DBTaskResult, get_date_max

    row = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}}, priority=0, queue_name="default",
        task_path="concertation.core.tasks.deliver_email", backend_name="default",
        run_after=get_date_max())
    # `enqueued_at` is set on creation: age it as time would.
    DBTaskResult.objects.filter(pk=row.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=minutes))


@pytest.mark.django_db
def test_check_queue_says_when_the_queue_no_longer_moves(capsys):
    call_command("check_queue")
    assert capsys.readouterr().out.startswith("OK")
    _stalled_task(minutes=2)  # due, but younger than the limit
    call_command("check_queue")
    assert capsys.readouterr().out.startswith("OK")
    _stalled_task(minutes=12)
    with pytest.raises(SystemExit) as exit_:
        call_command("check_queue")
    assert exit_.value.code == 1
    assert "n’avance plus depuis 12 min (2 tâche(s) en attente)" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_organisers_home_warns_of_a_stalled_queue(client):
    client.force_login(agency_organiser("84"))
    assert "tâches de fond n’avancent plus" not in client.get(
        reverse("backoffice:home")).content.decode()
    _stalled_task(minutes=30)
    page = client.get(reverse("backoffice:home")).content.decode()
    assert "Les tâches de fond n’avancent plus" in page
    assert "Depuis 30 minutes" in page


def test_a_request_that_cannot_get_the_lock_answers_503_not_500():
    request = RequestFactory().post("/inscription/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "réessayez dans quelques secondes" in response.content.decode()
    try:
        raise OperationalError("no such table: x")
    except OperationalError:
        assert server_error(request).status_code == 500
