"""Health of a running server, for load balancers and monitoring.

`/healthz` says the process answers (nothing else is touched: a database outage must not get
every web server killed by its orchestrator). `/readyz` says whether it can serve: the
database answers, the cache keeps what it is given, the file storage takes a file and gives
it back, and the background queue moves (core/queue.py). Each check is timed; a failing one
is named with its error's class, never its message (which may hold a host or a path). No
personal data is read. Both answers are JSON and never cached.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from concertation.core.queue import stall

PROBE_DIR = "readyz"


def _database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _cache() -> str | None:
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    kept = cache.get(key)
    cache.delete(key)
    return None if kept == value else "le cache ne rend pas ce qu’on lui confie"


def _storage() -> str | None:
    name = default_storage.save(f"{PROBE_DIR}/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as probe:
            read = probe.read()
    finally:
        default_storage.delete(name)
    return None if read == b"ok" else "le stockage ne rend pas le fichier déposé"


def _queue() -> str | None:
    stalled = stall()
    if stalled is None:
        return None
    return (f"la file des tâches de fond n’avance plus depuis {stalled.minutes} min "
            f"({stalled.waiting} en attente)")


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _database, "cache": _cache, "storage": _storage, "queue": _queue,
}


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check, in order; the queue is not checked when the database is down (it lives
    there, and its error would only repeat the database's)."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name == "queue" and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "base de données indisponible"}
            continue
        began = time.perf_counter()
        try:
            problem = check()
        except Exception as error:  # any failure of a dependency is an answer, not a 500
            problem = type(error).__name__
        results[name] = {"ok": problem is None,
                         "ms": round((time.perf_counter() - began) * 1000, 1)}
        if problem is not None:
            results[name]["error"] = problem
    return all(r["ok"] for r in results.values()), results


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = readiness()
    failing = [name for name, result in checks.items() if not result["ok"]]
    return JsonResponse({"status": "ok" if ready else "fail", "failing": failing,
                         "checks": checks}, status=200 if ready else 503)
