"""Processes of the deployment started by tests: a database of their own on the PostgreSQL
server of the PostgreSQL stage, free ports on loopback, gunicorn or a worker started with the
environment a deployment gives them, waited for and stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def own_postgres_database(label: str) -> Iterator[str]:
    """The URL of a new, empty database on the test run's PostgreSQL server (skips the test
    in the SQLite stage), dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL stage of make test")
    import psycopg

    name = f"concertation_{label}_{uuid.uuid4().hex[:8]}"
    server = url.rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def run_python(args: list[str], env: dict[str, str], timeout: int = 300) -> str:
    """Run `python ARGS` in the repository with `env`; its standard output, or the test
    fails with the end of its error output."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Processes:
    """Long-running processes of one test, each with its log file; all stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, subprocess.Popen[bytes]] = {}
        self._files: list = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop)
        self._files.append(log)
        self.started[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                              stderr=subprocess.STDOUT)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def wait_until_up(self, name: str, url: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                get(url)
                return
            except (ConnectionError, TimeoutError, urllib.error.URLError):
                assert self.started[name].poll() is None, self.log(name)
                time.sleep(0.3)
        raise AssertionError(f"{name} did not answer in {seconds} s:\n{self.log(name)}")

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.started.values())

    def stop(self) -> None:
        for process in self.started.values():
            process.terminate()
        for process in self.started.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for file in self._files:
            file.close()


def python_path_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a deployed process: this one's, the virtual environment's
    programs first on PATH, and `extra`."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **extra}
