"""What the outbox relies on in django-tasks-db beyond its public `enqueue`: the row
`core.outbox.task_row` builds for `sql.insert` / `sql.insert_chain` (a sign-up writes its
mail's task in its own statement) and the result `announce` sends. These are the backend's
internals, so its version is pinned (`requirements.txt`) and this test is the contract: on an
upgrade it fails where the outbox must follow."""

import dataclasses
import importlib.metadata
import re
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django_tasks_db import DatabaseBackend
from django_tasks_db.backend import TaskResult
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import normalize_uuid

from concertation.core import sql
from concertation.core.outbox import TASK_ARGUMENT, deliver_email, task_row

pytestmark = pytest.mark.django_db

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
# The columns of the backend's row at the pinned version: a column added or removed by an
# upgrade is one `task_row` must fill or drop.
COLUMNS = {"id", "status", "enqueued_at", "started_at", "finished_at", "args_kwargs",
           "priority", "task_path", "worker_ids", "queue_name", "backend_name", "run_after",
           "return_value", "exception_class_path", "traceback"}
# The fields of the result the backend sends with `task_enqueued`, which `announce` fills.
RESULT_FIELDS = {"task", "id", "status", "enqueued_at", "started_at", "finished_at",
                 "last_attempted_at", "args", "kwargs", "backend", "errors", "worker_ids",
                 "_return_value", "db_result"}


@pytest.fixture
def database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    backend = deliver_email.get_backend()
    assert isinstance(backend, DatabaseBackend)
    return backend


def test_the_version_is_pinned_and_installed():
    pinned = re.search(r"^django-tasks-db==([\w.]+)$", REQUIREMENTS.read_text(), re.M)
    assert pinned, "django-tasks-db must be pinned with == in requirements.txt"
    assert importlib.metadata.version("django-tasks-db") == pinned[1]


def test_the_internals_used_are_there(database_backend):
    # `_get_id`: the primary key the backend gives its rows (its ID function setting).
    assert isinstance(uuid.UUID(str(database_backend._get_id())), uuid.UUID)
    assert get_date_max().year == 9999  # "no run_after", as the worker's `ready()` reads it
    assert {f.name for f in dataclasses.fields(TaskResult)} == RESULT_FIELDS
    key = uuid.uuid4()
    assert normalize_uuid(key) == normalize_uuid(str(key))
    assert {f.column for f in DBTaskResult._meta.concrete_fields} == COLUMNS


def test_task_row_is_the_row_enqueue_writes(database_backend):
    with transaction.atomic():
        mine = sql.insert(task_row(deliver_email, {"args": [7], "kwargs": {}}))
    reference = deliver_email.enqueue(7).db_result
    mine = DBTaskResult.objects.get(pk=mine.pk)
    reference.refresh_from_db()
    for field in DBTaskResult._meta.concrete_fields:
        if field.name not in {"id", "enqueued_at"}:
            assert getattr(mine, field.attname) == getattr(reference, field.attname), field.name
    # The worker takes it as it takes the backend's own, and finds the task again.
    assert set(DBTaskResult.objects.ready().values_list("pk", flat=True)) == {mine.pk,
                                                                             reference.pk}
    assert mine.task_result.task.module_path == deliver_email.module_path
    assert mine.task_result.args == [7]


def test_the_chained_argument_is_what_the_worker_reads(database_backend):
    # `TASK_ARGUMENT` writes the arguments from an earlier row's key, in SQL on PostgreSQL:
    # the same JSON the backend writes.
    from concertation.core.models import OutgoingEmail

    outgoing = OutgoingEmail(kind=OutgoingEmail.Kind.LOGIN_LINK)
    row = task_row(deliver_email, sql.Ref(0, **TASK_ARGUMENT))
    sql.insert_chain([outgoing, row])
    stored = DBTaskResult.objects.get(pk=row.pk)
    assert stored.args_kwargs == {"args": [outgoing.pk], "kwargs": {}}
    assert stored.task_result.args == [outgoing.pk] and stored.task_result.kwargs == {}
