"""Copies every registration e-mail and project follower e-mail into the one outbox
(core.OutgoingEmail), sent or not, with its attempts and error; a follower's confirmation
becomes `follow_confirmation` (the registrations' kind keeps `confirmation`). Deliveries
still queued are pointed at the one task, `core.tasks.deliver_email`, with the rows' new ids;
the old tables are dropped by the next migrations of their apps."""

from django.db import migrations

OLD_TASKS = {
    "concertation.registrations.tasks.deliver_email": "registration",
    "concertation.projects.tasks.deliver_project_email": "follower",
}
NEW_TASK = "concertation.core.tasks.deliver_email"
OLD_TASK_BY_SOURCE = {source: path for path, source in OLD_TASKS.items()}
BATCH = 500


def _copy(OutgoingEmail, rows, about):
    """Copies `rows` (an old model's queryset) in batches; returns {old id: new id} (SQLite
    and PostgreSQL both return the new ids from a bulk insert)."""
    ids = {}
    old = list(rows.order_by("pk"))
    for start in range(0, len(old), BATCH):
        batch = old[start:start + BATCH]
        made = OutgoingEmail.objects.bulk_create([
            OutgoingEmail(
                kind=("follow_confirmation" if about == "follower" and row.kind == "confirmation"
                      else row.kind),
                update_ids=getattr(row, "update_ids", []), created_at=row.created_at,
                sent_at=row.sent_at, attempts=row.attempts, last_error=row.last_error,
                **{f"{about}_id": getattr(row, f"{about}_id")})
            for row in batch])
        ids.update({row.pk: m.pk for row, m in zip(batch, made, strict=True)})
    return ids


def _repoint(DBTaskResult, path, new_path, ids):
    for task in DBTaskResult.objects.filter(task_path=path, status="READY"):
        args = task.args_kwargs.get("args") or []
        new_id = ids.get(args[0]) if args else None
        if new_id is None:  # its row is gone: nothing left to deliver
            task.delete()
            continue
        task.task_path = new_path
        task.args_kwargs = {**task.args_kwargs, "args": [new_id]}
        task.save(update_fields=["task_path", "args_kwargs"])


def forwards(apps, schema_editor):
    OutgoingEmail = apps.get_model("core", "OutgoingEmail")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    moved = {
        "registration": _copy(OutgoingEmail,
                              apps.get_model("registrations", "OutgoingEmail").objects.all(),
                              "registration"),
        "follower": _copy(OutgoingEmail, apps.get_model("projects", "ProjectEmail").objects.all(),
                          "follower"),
    }
    for path, source in OLD_TASKS.items():
        _repoint(DBTaskResult, path, NEW_TASK, moved[source])


def backwards(apps, schema_editor):
    # Registration and follower e-mails go back to their apps' tables; the kinds the old
    # models did not know (login and password links, facilitators' notices) are dropped.
    OutgoingEmail = apps.get_model("core", "OutgoingEmail")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    models = {"registration": apps.get_model("registrations", "OutgoingEmail"),
              "follower": apps.get_model("projects", "ProjectEmail")}
    for about, Old in models.items():
        ids = {}
        for row in OutgoingEmail.objects.filter(**{f"{about}__isnull": False}).order_by("pk"):
            extra = {"update_ids": row.update_ids} if about == "follower" else {}
            old = Old.objects.create(
                kind="confirmation" if row.kind == "follow_confirmation" else row.kind,
                created_at=row.created_at, sent_at=row.sent_at, attempts=row.attempts,
                last_error=row.last_error, **{f"{about}_id": getattr(row, f"{about}_id")},
                **extra)
            ids[row.pk] = old.pk
        # Each queued delivery goes back to its app's task.
        for task in DBTaskResult.objects.filter(task_path=NEW_TASK, status="READY"):
            args = task.args_kwargs.get("args") or []
            if args and args[0] in ids:
                task.task_path = OLD_TASK_BY_SOURCE[about]
                task.args_kwargs = {**task.args_kwargs, "args": [ids[args[0]]]}
                task.save(update_fields=["task_path", "args_kwargs"])
    DBTaskResult.objects.filter(task_path=NEW_TASK, status="READY").delete()
    OutgoingEmail.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_outgoing_email"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
