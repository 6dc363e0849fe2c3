"""The hand-written statements of the hot paths: same rows as the ORM, on SQLite and
PostgreSQL, counted like any query, errors raised as Django's."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from concertation.campaigns.models import Campaign
from concertation.core import sql
from concertation.core.models import OutgoingEmail
from concertation.core.outbox import TASK_ARGUMENT, deliver_email, enqueue_in_transaction, task_row
from concertation.events.models import Event, Workshop
from concertation.registrations.models import Registration, RegistrationStatus
from tests.factories import EventFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return EventFactory(open=True, capacity=90)


def _person(day, email: str) -> dict:
    return {"event": day, "status": RegistrationStatus.CONFIRMED, "first_name": "A",
            "last_name": "B", "email": email, "college": "usager"}


def test_insert_writes_what_save_writes(day):
    registration = Registration(event=day, status=RegistrationStatus.CONFIRMED,
                                first_name="Zoé", last_name="L’Hôte", email="zoe@example.org",
                                college="usager", consent_processing=True)
    before = timezone.now()
    sql.insert(registration)
    assert registration.pk is not None and not registration._state.adding
    stored = Registration.objects.get(pk=registration.pk)
    assert (stored.first_name, stored.last_name, stored.code) == (
        "Zoé", "L’Hôte", registration.code)
    assert len(stored.code) == 8  # the field's default
    assert stored.updated_at >= before  # auto_now
    assert stored.created_at == registration.created_at
    assert stored.submission_token is None and stored.cancelled_at is None


def test_insert_keeps_a_primary_key_given():
    row = sql.insert(DBTaskResult(id="0b7e1d1c-7f4e-4d83-9a4e-3f3c6b0a8b11",
                                  args_kwargs={"args": [1], "kwargs": {}}, task_path="x.y",
                                  backend_name="default", run_after=timezone.now()))
    stored = DBTaskResult.objects.get(pk=row.pk)
    assert stored.args_kwargs == {"args": [1], "kwargs": {}}  # JSON both ways


def test_insert_raises_djangos_integrity_error(day):
    fields = _person(day, "double@example.org")
    sql.insert(Registration(**fields))
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(Registration(**fields))
    assert Registration.objects.filter(email="double@example.org").count() == 1


def test_load_converts_like_the_orm(day):
    WorkshopFactory(event=day, title="Atelier du matin", starts_at=dt.time(9, 30), capacity=12)
    rows = sql.fetch(
        "SELECT id AS w_id, title AS w_title, starts_at AS w_starts_at, capacity AS w_capacity,"
        f" event_id AS w_event_id, 1 AS other FROM {Workshop._meta.db_table}"
        " WHERE event_id = %s", [day.pk])
    # Columns in another order than the model's fields, read by their names.
    (workshop,) = sql.load(Workshop, rows, prefix="w_")
    assert isinstance(workshop, Workshop)
    assert (workshop.title, workshop.starts_at, workshop.capacity, workshop.event_id) == (
        "Atelier du matin", dt.time(9, 30), 12, day.pk)
    assert workshop.get_deferred_fields() >= {"description", "ends_at"}
    (event,) = sql.load(Event, sql.fetch(
        f"SELECT date AS date, id AS id FROM {Event._meta.db_table} WHERE id = %s", [day.pk]))
    assert event.date == day.date and isinstance(event.date, dt.date)
    (campaign,) = sql.load(Campaign, sql.fetch(
        f"SELECT colleges AS colleges, id AS id FROM {Campaign._meta.db_table} WHERE id = %s",
        [day.campaign_id]))
    assert campaign.colleges == day.campaign.colleges  # JSON decoded


def test_rows_are_read_by_name(day):
    (row,) = sql.fetch(f"SELECT seats_taken AS taken, id AS id FROM {Event._meta.db_table} "
                       "WHERE id = %s", [day.pk])
    assert (row.id, row.taken) == (day.pk, 0)
    # The missing side of an outer join gives no instance.
    rows = sql.fetch(f"SELECT e.id AS day_id, w.id AS workshop_id FROM {Event._meta.db_table} e "
                     f"LEFT OUTER JOIN {Workshop._meta.db_table} w ON w.event_id = e.id "
                     "WHERE e.id = %s", [day.pk])
    assert sql.load(Workshop, rows, prefix="workshop_") == []
    assert [e.pk for e in sql.load(Event, rows, prefix="day_")] == [day.pk]
    with pytest.raises(ValueError):
        sql.load(Event, rows, prefix="nothing_")


def test_statements_are_counted(day, django_assert_num_queries):
    with django_assert_num_queries(2):
        sql.fetch(f"SELECT id FROM {Event._meta.db_table} WHERE id = %s", [day.pk])
        assert sql.execute(f"UPDATE {Event._meta.db_table} SET seats_taken = 3 WHERE id = %s",
                           [day.pk]) == 1
    day.refresh_from_db()
    assert day.seats_taken == 3


def test_placeholders_and_escaped_percent_signs(day):
    # On PostgreSQL the statement goes out with $1, $2…: `%%` stays a literal `%`.
    (row,) = sql.fetch("SELECT %s || ' à 50%%' AS text, id AS id FROM "
                       f"{Event._meta.db_table} WHERE id = %s", ["remise", day.pk])
    assert (row.text, row.id) == ("remise à 50%", day.pk)


def test_enqueue_in_transaction_writes_the_backends_row(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with transaction.atomic():
        enqueue_in_transaction(deliver_email, 42)
    row = DBTaskResult.objects.get()
    reference = deliver_email.enqueue(43).db_result
    for name in ("status", "priority", "task_path", "queue_name", "backend_name", "run_after",
                 "worker_ids", "return_value"):
        assert getattr(row, name) == getattr(reference, name), name
    assert row.args_kwargs == {"args": [42], "kwargs": {}}
    assert DBTaskResult.objects.ready().count() == 2  # both wait for the worker
    assert row.task_result.task.module_path == "concertation.core.outbox.deliver_email"


def test_the_enqueued_signal_carries_what_the_backend_would_send(settings):
    from django.tasks.signals import task_enqueued

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sent = []

    def receiver(sender, task_result, **kwargs):
        sent.append((sender, task_result))

    task_enqueued.connect(receiver)
    try:
        with transaction.atomic():
            enqueue_in_transaction(deliver_email, 42)
    finally:
        task_enqueued.disconnect(receiver)
    ((sender, result),) = sent
    expected = DBTaskResult.objects.get().task_result
    assert sender is type(deliver_email.get_backend())
    for name in ("id", "status", "enqueued_at", "started_at", "last_attempted_at",
                 "finished_at", "args", "kwargs", "backend", "errors", "worker_ids"):
        assert getattr(result, name) == getattr(expected, name), name
    assert result.task == expected.task and result.db_result.pk == expected.db_result.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements")
def test_postgresql_prepares_these_statements_only(day):
    sql.fetch(f"SELECT id FROM {Event._meta.db_table} WHERE id = %s", [day.pk])
    Event.objects.filter(pk=day.pk).count()  # the ORM: bound on the client, never prepared
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("SELECT id FROM" in text for text in prepared)
    assert not any("COUNT(" in text.upper() for text in prepared)


def test_insert_chain_links_rows_to_earlier_keys(day, settings, django_assert_num_queries):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    workshop = WorkshopFactory(event=day)
    registration = Registration(event=day, status=RegistrationStatus.WAITLISTED,
                                first_name="Ana", last_name="Ruiz", email="ana@example.org",
                                college="usager", consent_processing=True)
    link = Registration.workshops.through(registration_id=sql.Ref(0), workshop_id=workshop.pk)
    outgoing = OutgoingEmail(registration_id=sql.Ref(0), kind=OutgoingEmail.Kind.WAITLIST)
    task = task_row(deliver_email, sql.Ref(2, **TASK_ARGUMENT))
    statements = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(statements):
        sql.insert_chain([registration, link, outgoing, task])
    assert list(Registration.objects.get(pk=registration.pk).workshops.all()) == [workshop]
    assert outgoing.registration_id == registration.pk
    assert OutgoingEmail.objects.get(pk=outgoing.pk).registration_id == registration.pk
    assert DBTaskResult.objects.get(pk=task.pk).args_kwargs == {"args": [outgoing.pk],
                                                                "kwargs": {}}
    assert task.args_kwargs == {"args": [outgoing.pk], "kwargs": {}}


def test_insert_chain_is_all_or_nothing(day):
    fields = _person(day, "twice@example.org")
    sql.insert(Registration(**fields))
    again = Registration(**fields)  # the same e-mail for the same day: refused
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert_chain([OutgoingEmail(registration_id=Registration.objects.get().pk,
                                        kind=OutgoingEmail.Kind.CONFIRMATION), again])
    assert OutgoingEmail.objects.count() == 0


def test_insert_chain_also_reads_a_row_with_the_inserts(day):
    registration = Registration(**_person(day, "also@example.org"))
    also = (f"SELECT capacity AS capacity, seats_taken AS seats_taken FROM "
            f"{Event._meta.db_table} WHERE id = %s", [day.pk])
    read = sql.insert_chain([registration], also=also)
    assert (read.capacity, read.seats_taken) == (90, 0)
    assert sql.insert_chain([Registration(**_person(day, "none@example.org"))]) == ()
    missing = (also[0], [0])  # no such day: NULLs, the rows are written all the same
    result = sql.insert_chain([Registration(**_person(day, "n@example.org"))], also=missing)
    assert (result.capacity, result.seats_taken) == (None, None)
    assert Registration.objects.filter(event=day).count() == 3
