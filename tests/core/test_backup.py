"""Backup and restore (core/backup.py): a restore into an empty database and storage finds
every row and file again (counts and checksums compared), on SQLite and on PostgreSQL, also
for a backup taken while people sign up; bad input is one French line and exit status 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections

from concertation.core import backup as backups
from concertation.events.models import EventState
from concertation.registrations.models import Registration
from concertation.registrations.services import register
from tests.factories import ContributionFactory, EventFactory, applicant

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_table_checksum_ignores_row_order_and_sees_any_change():
    rows = [(1, "a", b"\x00"), (2, "b", None), (3, "c", 1.5)]
    digest = backups.rows_digest(rows)
    assert digest == backups.rows_digest(reversed(rows))
    assert digest.rows == 3
    assert digest != backups.rows_digest([*rows[:2], (3, "c", 1.25)])
    assert digest != backups.rows_digest([*rows, rows[0]])
    assert backups.rows_digest([(memoryview(b"x"),)]) == backups.rows_digest([(b"x",)])


@pytest.fixture
def target(tmp_path):
    """An empty database of its own (PostgreSQL) or SQLite file, and an empty media folder,
    as the environment of a `manage.py` child process."""
    env = {**os.environ, "SECRET_KEY": "backup-test", "CONCERTATION_VAR_DIR": str(tmp_path / "t"),
           "MEDIA_ROOT": str(tmp_path / "t" / "media")}
    url = os.environ.get("DATABASE_URL", "")
    name = None
    if url.startswith("postgres"):
        import psycopg

        name = f"concertation_restore_{uuid.uuid4().hex[:8]}"
        server = url.rsplit("/", 1)[0]
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{server}/{name}"
    else:
        env.pop("DATABASE_URL", None)
    (tmp_path / "t" / "media").mkdir(parents=True)
    yield env
    if name:
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def _restored(env: dict[str, str], code: str) -> object:
    done = _manage(env, "shell", "-c", code)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


FACTS = ("import json; from concertation.registrations.models import Registration as R; "
         "from concertation.events.models import Event as E; "
         "from concertation.events.models import Document as D; "
         "from concertation.contributions.models import Contribution as C; "
         "print(json.dumps({'emails': sorted(R.objects.values_list('email', flat=True)), "
         "'seats': {e.pk: [e.seats_taken, e.registrations.filter(status='confirmed').count()] "
         "for e in E.objects.all()}, 'agree': sum(C.objects.values_list('agree_count', "
         "flat=True)), 'files': {d.file.name: d.file.read().hex() for d in D.objects.all()}}))")


def _world():
    event = EventFactory(state=EventState.REGISTRATION_OPEN, capacity=10_000)
    for i in range(5):
        register(event=event, applicant=applicant(email=f"avant-{i}@example.org"), workshops=[])
    ContributionFactory(event=event)
    from concertation.events.models import Document

    Document.objects.create(event=event, title="Programme", size=4,
                            file=default_storage.save("documents/programme.pdf",
                                                      ContentFile(b"%PDF")))
    default_storage.save("autres/é t é.bin", ContentFile(bytes(range(256)) * 100))
    return event


def test_a_restore_loses_nothing_even_of_a_backup_taken_during_sign_ups(tmp_path, target):
    event = _world()
    if connection.vendor == "sqlite":
        # The test database is SQLite in memory, where a writer would meet table locks:
        # the concurrent case runs on PostgreSQL (and in make bench-backup).
        writer, stop = None, threading.Event()
    else:
        stop = threading.Event()

        def sign_up() -> None:
            try:
                i = 0
                while not stop.is_set():
                    register(event=event, applicant=applicant(email=f"pendant-{i}@example.org"),
                             workshops=[])
                    i += 1
            finally:
                connections.close_all()

        writer = threading.Thread(target=sign_up)
        writer.start()
        while Registration.objects.count() < 15:
            pass
    before = Registration.objects.count()
    try:
        manifest = backups.backup(tmp_path / "sauvegarde")
    finally:
        stop.set()
        if writer:
            writer.join()
    after = Registration.objects.count()
    if writer:
        assert after > before, "no sign-up ran during the backup"
    done = _manage(target, "restore", str(tmp_path / "sauvegarde"), "--yes")
    assert done.returncode == 0, done.stderr
    assert "Restauration vérifiée" in done.stdout
    facts = _restored(target, FACTS)
    # The restore compared every table's count and checksum and every file's SHA-256 with
    # the manifest; here what the application reads back, against the source.
    kept = manifest.tables["registrations_registration"].rows
    assert before <= kept <= after and len(facts["emails"]) == kept
    assert set(facts["emails"]) <= set(Registration.objects.values_list("email", flat=True))
    for seats, confirmed in facts["seats"].values():
        assert seats == confirmed  # one snapshot: the counter and its rows agree
    assert facts["files"] == {"documents/programme.pdf": b"%PDF".hex()}
    assert set(manifest.files) == {"documents/programme.pdf", "autres/é t é.bin"}
    restored_media = Path(target["MEDIA_ROOT"])
    assert (restored_media / "autres/é t é.bin").read_bytes() == bytes(range(256)) * 100
    # Restoring again is refused: the database and storage are no longer empty.
    again = _manage(target, "restore", str(tmp_path / "sauvegarde"), "--yes")
    assert again.returncode == 1 and "--replace" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
    replaced = _manage(target, "restore", str(tmp_path / "sauvegarde"), "--yes", "--replace")
    assert replaced.returncode == 0, replaced.stderr


def _refused(env: dict[str, str], *args: str) -> str:
    done = _manage(env, *args)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_bad_input_is_one_french_line_and_changes_nothing(tmp_path, target):
    _world()
    source = tmp_path / "sauvegarde"
    backups.backup(source)
    assert "n’est pas un dossier vide" in _refused(target, "backup", str(source))
    assert "n’est pas un dossier de sauvegarde" in _refused(
        target, "restore", str(tmp_path / "absent"), "--yes")
    assert "--yes" in _refused(target, "restore", str(source))  # stdin is not a terminal
    broken = tmp_path / "abimee"
    shutil.copytree(source, broken)
    (broken / "files" / "documents" / "programme.pdf").write_bytes(b"%PDX")
    assert "ne correspond pas au manifeste" in _refused(target, "restore", str(broken), "--yes")
    unreadable = tmp_path / "illisible"
    shutil.copytree(source, unreadable)
    (unreadable / "manifest.json").write_text("{")
    assert "illisible" in _refused(target, "restore", str(unreadable), "--yes")
    hostile = tmp_path / "hostile"
    shutil.copytree(source, hostile)
    data = json.loads((hostile / "manifest.json").read_text())
    data["files"]["../../evasion"] = {"size": 1, "sha256": "0"}
    (hostile / "manifest.json").write_text(json.dumps(data))
    assert "refusé" in _refused(target, "restore", str(hostile), "--yes")
    # Nothing was loaded by the refusals: the target is still empty.
    assert not any(Path(target["MEDIA_ROOT"]).iterdir())
    # A manifest that the loaded data does not match: loaded, compared, refused loudly.
    lying = tmp_path / "mensonge"
    shutil.copytree(source, lying)
    data = json.loads((lying / "manifest.json").read_text())
    data["tables"]["registrations_registration"]["rows"] += 1
    (lying / "manifest.json").write_text(json.dumps(data))
    line = _refused(target, "restore", str(lying), "--yes")
    assert "ne correspond pas à la sauvegarde" in line and "registrations_registration" in line
