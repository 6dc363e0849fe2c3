"""/healthz and /readyz with real failing parts: a cache server nobody listens on, a storage
folder that cannot be written, a queue whose oldest task waits past the limit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:1/0"  # port 1: refused at once


def _answer(client, path):
    response = client.get(path)
    return response, json.loads(response.content)


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response, body = _answer(client, "/healthz")
    assert response.status_code == 200 and body == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_every_part(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    response, body = _answer(client, "/readyz")
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "storage", "queue"}
    assert all(check["ok"] and check["ms"] >= 0 for check in body["checks"].values())
    assert list(tmp_path.rglob("*.txt")) == []  # the storage probe leaves nothing behind


def test_readyz_names_a_cache_that_does_not_answer(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOWHERE}}):
        response, body = _answer(client, "/readyz")
    assert response.status_code == 503
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]


def test_readyz_names_a_storage_that_refuses_files(client, tmp_path, settings):
    blocked = tmp_path / "media"
    blocked.write_text("a file where the folder should be")  # no folder can be made in it
    settings.MEDIA_ROOT = blocked
    with override_settings(STORAGES={**settings.STORAGES, "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocked)}}}):
        response, body = _answer(client, "/readyz")
    assert response.status_code == 503
    assert body["failing"] == ["storage"]
    assert "/" not in body["checks"]["storage"]["error"]  # a class name, never a path


def test_readyz_names_a_queue_that_does_not_move(client, tmp_path, settings):
    from django_tasks_db.models import DBTaskResult, get_date_max

    settings.MEDIA_ROOT = tmp_path
    row = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}}, priority=0, queue_name="default",
        task_path="concertation.core.outbox.deliver_email", backend_name="default",
        run_after=get_date_max())
    DBTaskResult.objects.filter(pk=row.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=settings.QUEUE_STALL_MINUTES + 3))
    response, body = _answer(client, "/readyz")
    assert response.status_code == 503
    assert body["failing"] == ["queue"]
    assert "n’avance plus depuis" in body["checks"]["queue"]["error"]


def test_readyz_reads_a_live_redis_when_one_runs(client, tmp_path, settings):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.MEDIA_ROOT = tmp_path
    with override_settings(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15"}}):
        response, body = _answer(client, "/readyz")
    assert response.status_code == 200 and body["checks"]["cache"]["ok"], body


def test_the_answers_hold_no_personal_data_and_refuse_writes(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405
