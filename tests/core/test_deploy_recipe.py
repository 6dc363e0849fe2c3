"""The production recipe: the image definition read as a linter would, and the Procfile's
three processes started for real (release phase, web server, worker) on a database of their
own, as the PaaS starts them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, get, own_postgres_database

ROOT = Path(__file__).resolve().parents[2]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(m[1].upper(), m[2].strip()) for m in
            re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", joined, re.M)]


def test_the_image_definition_follows_the_rules_of_a_production_image():
    steps = _instructions((ROOT / "Dockerfile").read_text())
    names = [name for name, _ in steps]
    froms = [args for name, args in steps if name == "FROM"]
    assert len(froms) >= 2, "multi-stage: the build tools stay out of the final image"
    for image in froms:
        base = image.split()[0]
        assert ":" in base and not base.endswith(":latest"), f"unpinned base image {base}"
    final = names[len(names) - 1 - names[::-1].index("FROM"):]
    users = [args for name, args in steps[len(steps) - len(final):] if name == "USER"]
    assert users and users[-1] not in ("root", "0"), "the final stage runs as root"
    assert names.index("USER", len(names) - len(final)) < names.index("CMD"), \
        "USER comes before the command"
    runs = [args for name, args in steps if name == "RUN"]
    assert any("collectstatic" in run for run in runs), "static files collected at build"
    assert not any("migrate" in run for run in runs), "migrations are a one-shot command"
    for run in runs:
        if "apt-get install" in run:
            assert "--no-install-recommends" in run and "rm -rf /var/lib/apt/lists" in run
        if "pip install" in run:
            assert "--requirement" in run or "-r " in run
    assert "PIP_NO_CACHE_DIR=1" in " ".join(args for name, args in steps if name == "ENV")
    assert not any(name == "ADD" for name in names), "COPY, never ADD (no remote fetch)"
    assert "/healthz" in next(args for name, args in steps if name == "HEALTHCHECK")
    assert "gunicorn concertation.wsgi" in next(args for name, args in steps if name == "CMD")
    # What the image copies exists, and what it must not carry is ignored.
    for name, args in steps:
        if name == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                if not source.startswith("--"):
                    assert (ROOT / source).exists(), f"COPY of a missing {source}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "tests"} <= set(ignored)


def _procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def test_the_procfile_names_the_three_processes():
    assert set(_procfile()) == {"web", "worker", "postdeploy"}


@pytest.fixture
def own_database():
    with own_postgres_database("procfile") as url:
        yield url


def test_the_procfile_processes_start(own_database, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": own_database, "PORT": str(port),
           "SECRET_KEY": "procfile-test", "HTTPS": "1", "ALLOWED_HOSTS": "127.0.0.1",
           "CONCERTATION_VAR_DIR": str(tmp_path), "MEDIA_ROOT": str(tmp_path / "media"),
           "WEB_CONCURRENCY": "1", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    processes = _procfile()

    def command(name: str) -> list[str]:
        return ["sh", "-c", processes[name].replace("python ", f"{sys.executable} ", 1)]

    release = subprocess.run(command("postdeploy"), cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert release.returncode == 0, release.stderr[-2000:]

    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("web", "worker")}  # noqa: SIM115
    started = [subprocess.Popen(command(name), cwd=ROOT, env=env, stdout=logs[name],
                                stderr=subprocess.STDOUT) for name in ("web", "worker")]
    web, worker = started

    def log(name: str) -> str:
        return (tmp_path / f"{name}.log").read_text(errors="replace")[-2000:]

    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status, _ = get(f"http://127.0.0.1:{port}/healthz")
                break
            except (ConnectionError, TimeoutError, urllib.error.URLError):
                assert web.poll() is None, log("web")
                time.sleep(0.3)
        assert status == 200  # not redirected to https: a load balancer probes over HTTP
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        # The worker takes a job that the release's database holds.
        enqueue = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from concertation.core.outbox import deliver_email; "
             "print(deliver_email.enqueue(0).id)"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert enqueue.returncode == 0, enqueue.stderr[-2000:]
        job = enqueue.stdout.strip().splitlines()[-1]
        import psycopg

        deadline = time.monotonic() + 60
        state = None
        with psycopg.connect(own_database, autocommit=True) as db:
            while time.monotonic() < deadline and state not in ("SUCCESSFUL", "FAILED"):
                row = db.execute("SELECT status FROM django_tasks_database_dbtaskresult "
                                 "WHERE id = %s", [job]).fetchone()
                state = row[0] if row else None
                time.sleep(0.5)
        assert state == "SUCCESSFUL", (state, log("worker"))
        assert worker.poll() is None and web.poll() is None
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for file in logs.values():
            file.close()


def test_the_procfile_web_line_is_the_image_command():
    web = shlex.split(_procfile()["web"])
    image = (ROOT / "Dockerfile").read_text()
    assert " ".join(web[:2]) in image and "--access-logfile -" in image
