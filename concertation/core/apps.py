import os
import sys

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "concertation.core"
    label = "core"

    def ready(self) -> None:
        from django.tasks.signals import task_finished, task_started

        from concertation.core import audit

        # The audit trail's channel: a background task names itself while it runs, and a
        # command run through manage.py names itself for the whole process (a request it
        # serves, `serve`, sets its own in the middleware).
        task_started.connect(audit.task_started, dispatch_uid="audit_task_started")
        task_finished.connect(audit.task_finished, dispatch_uid="audit_task_finished")
        if os.path.basename(sys.argv[0]) == "manage.py" and len(sys.argv) > 1:
            audit.use_channel(audit.Kind.COMMAND, sys.argv[1])
