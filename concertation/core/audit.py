"""The one audit trail: every writer that must answer "who changed this, and when?" calls
`record`, which writes one `AuditEntry` (who, when, a namespaced action code, the object and
its label, the region / territory it lies in, the channel, a small JSON of details).

Action codes are `app.object.verb` (`events.day.transition`, `projects.import`,
`registrations.export`, `synthesis.decision`, `accounts.role.granted`, `api.token.created`):
a new writer picks its own code in its app, core knows none of them. The French `summary`
is written by the writer, so that the history reads without knowing the code either.

The channel is not passed by the writers: a context variable holds it, set per request by
`AuditChannelMiddleware` (the screen's URL name), narrowed by the API's token check (the
token's id), set by `manage.py` for a command and around each background task (signals of
Django's tasks framework, connected in `core/apps.py`). Without any of them (a shell, a
test), the channel is "system"."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse

from concertation.core.models import AuditEntry

Kind = AuditEntry.Channel


@dataclass(frozen=True)
class Channel:
    kind: str = Kind.SYSTEM
    via: str = ""
    api_token_id: int | None = None
    # Who makes the request (its `request.user`, read lazily), for the writers that hear of a
    # change through a signal and have no user passed (a role given in the admin).
    actor: Any = None


SYSTEM = Channel()
_current: contextvars.ContextVar[Channel] = contextvars.ContextVar(
    "audit_channel", default=SYSTEM)


def current_channel() -> Channel:
    return _current.get()


def use_channel(kind: str, via: str = "", *, api_token_id: int | None = None
                ) -> contextvars.Token[Channel]:
    """Set the channel until `reset(token)` (or the end of the request)."""
    return _current.set(Channel(kind, via[:200], api_token_id))


def reset(token: contextvars.Token[Channel]) -> None:
    _current.reset(token)


@contextmanager
def channel(kind: str, via: str = "") -> Iterator[Channel]:
    """`with audit.channel("command", "send_reminders"):` for what runs outside a request."""
    token = use_channel(kind, via)
    try:
        yield _current.get()
    finally:
        reset(token)


def current_actor() -> Any:
    """The signed-in person of the request in progress, or None (a command, a task)."""
    actor = _current.get().actor
    return actor if getattr(actor, "is_authenticated", False) else None


def through_api_token(token_id: int, actor: Any = None) -> None:
    """The request is an API token's (set by the token check, `api/tokens.py`, with the
    token's owner as the actor); the screen's URL name set by the middleware stays as `via`,
    and the middleware resets all of it."""
    _current.set(replace(_current.get(), kind=Kind.API, api_token_id=token_id, actor=actor))


_MISSING = object()


def _walk(obj: models.Model, path: str) -> Any:
    """The value at `path` (`department__region_id`) read from the instances already loaded,
    or `_MISSING` when a hop would need a query."""
    *hops, last = path.split("__")
    current: Any = obj
    for hop in hops:
        field = current._meta.get_field(hop)
        if not (field.many_to_one or field.one_to_one) or not field.is_cached(current):
            return _MISSING
        current = getattr(current, hop)
        if current is None:
            return None
    return getattr(current, last, _MISSING)


def area_of(obj: models.Model) -> tuple[int | None, int | None]:
    """The region and health territory `obj` lies in, through the paths its `ScopedQuerySet`
    names (`scope_region`, `scope_territory`: the first of each), or its own `region_id` and
    `health_territory_id`. Read from what is loaded, else in one query."""
    queryset = type(obj)._default_manager.all()
    paths = [next(iter(getattr(queryset, "scope_region", ())), ""),
             next(iter(getattr(queryset, "scope_territory", ())), "")]
    if not any(paths):
        paths = [name if hasattr(obj, name) else ""
                 for name in ("region_id", "health_territory_id")]
    values = [None if not path else _walk(obj, path) for path in paths]
    if _MISSING in values:
        wanted = [path for path in paths if path]
        row = queryset.filter(pk=obj.pk).values_list(*wanted).first() or (None,) * len(wanted)
        found = dict(zip(wanted, row, strict=True))
        values = [found.get(path) if path else None for path in paths]
    return values[0], values[1]


def record(action: str, obj: models.Model, *, user: Any, summary: str,
           details: Mapping[str, Any] | None = None, label: str = "",
           area: tuple[int | None, int | None] | None = None) -> AuditEntry:
    """Write one entry: `user` did `action` (`app.object.verb`) to `obj`, told in French by
    `summary`, with `details` (JSON: from / to state, reason, counts, file name). `user` is
    None for the system (a task, a command run by nobody in particular). `area` (region id,
    territory id) when the object's own paths do not tell it (an account's role)."""
    region_id, territory_id = area if area is not None else area_of(obj)
    where = _current.get()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuditEntry.objects.create(
        user=user, action=action[:80], content_type_id=_content_type(obj),
        object_id=obj.pk, object_label=(label or str(obj))[:200], region_id=region_id,
        territory_id=territory_id, channel=where.kind, via=where.via,
        api_token_id=where.api_token_id, summary=summary[:300],
        details=_plain(dict(details or {})))


def _concrete_meta(obj: models.Model) -> Any:
    model = obj._meta.concrete_model or type(obj)
    return model._meta


def _content_type(obj: models.Model) -> Subquery:
    """The object's content type, read inside the INSERT: no query of its own, whether or not
    this process has met the model before (ContentType's cache would make the first export of a
    process one query dearer than the next)."""
    meta = _concrete_meta(obj)
    return Subquery(ContentType.objects.filter(app_label=meta.app_label,
                                               model=meta.model_name).values("pk")[:1])


def _plain(details: dict[str, Any]) -> Any:
    """The details as JSON holds them (dates and decimals as text), so that what is read back
    is what was written on every database."""
    import json

    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


HISTORY_LENGTH = 30


def history(obj: models.Model, length: int = HISTORY_LENGTH) -> list[AuditEntry]:
    """The latest entries about `obj`, newest first, with their author: one query whatever
    the object (the content type is matched by its names, not read first)."""
    meta = _concrete_meta(obj)
    return list(AuditEntry.objects.filter(
        content_type__app_label=meta.app_label, content_type__model=meta.model_name,
        object_id=obj.pk).select_related("user")[:length + 1])


class AuditChannelMiddleware:
    """Sets the channel of the request: the screen, named by its URL name (`backoffice:
    change_state`), once the URL is resolved; reset when the response is made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = use_channel(Kind.SCREEN, request.path)
        try:
            return self.get_response(request)
        finally:
            reset(token)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None:
            _current.set(Channel(Kind.SCREEN, match.view_name[:200],
                                 actor=getattr(request, "user", None)))


_task_tokens: dict[Any, contextvars.Token[Channel]] = {}


def task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    _task_tokens[task_result.id] = use_channel(Kind.TASK, task_result.task.module_path)


def task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_result.id, None)
    if token is not None:
        # Set in another context (a worker's thread): nothing to undo here.
        with suppress(ValueError, RuntimeError):
            reset(token)
