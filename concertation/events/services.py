"""The one write path for consultation days: every change goes through these functions, which
own the transaction, the row lock and the transition log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from concertation.accounts.scope import Scope
from concertation.core.public_cache import bump_public_content
from concertation.events import signals
from concertation.events.models import Document, Event, EventState
from concertation.events.workflow import EDITABLE_STATES, LIFECYCLE
from concertation.territories.models import HealthTerritory


def unique_slug(title: str, date: dt.date, department_code: str) -> str:
    base = slugify(f"{title} {department_code} {date.isoformat()}")[:200] or "journee"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check_scope(scope: Scope, event: Event) -> None:
    if not scope.can_manage_event(event):
        raise PermissionDenied("Cette journée n’est pas dans votre territoire.")


def _check_placement(scope: Scope, event: Event) -> None:
    if not scope.can_use_territory(event.health_territory, event.department):
        raise PermissionDenied("Vous ne pouvez pas organiser de journée dans ce territoire.")


@transaction.atomic
def create_event(*, scope: Scope, user: User, event: Event, themes: Iterable = ()) -> Event:
    """Save a new event (built by a form, not yet saved) as a draft."""
    _check_placement(scope, event)
    event.state = EventState.DRAFT
    event.created_by = user
    event.slug = unique_slug(event.title, event.date, event.department.code)
    event.save()
    event.themes.set(themes)
    return event


@transaction.atomic
def update_event(*, scope: Scope, user: User, event: Event,
                 themes: Iterable | None = None) -> Event:
    """Save changes a form made to an event's details."""
    current = Event.objects.select_for_update().select_related("department").get(pk=event.pk)
    _check_scope(scope, current)
    _check_placement(scope, event)
    if current.state not in EDITABLE_STATES:
        raise ValidationError("Cette journée ne peut plus être modifiée dans son état actuel.")
    event.state = current.state  # the state changes only through transition()
    event.save()
    if themes is not None:
        event.themes.set(themes)
    if event.state != EventState.DRAFT:
        bump_public_content()
    return event


@transaction.atomic
def save_programme(*, scope: Scope, user: User, event: Event, formsets: Iterable) -> None:
    """Save the talk and workshop formsets of an event's programme together."""
    locked = Event.objects.select_for_update().select_related("department").get(pk=event.pk)
    _check_scope(scope, locked)
    if locked.state not in EDITABLE_STATES:
        raise ValidationError("Le programme de cette journée ne peut plus être modifié.")
    for formset in formsets:
        formset.save()
    bump_public_content()


@transaction.atomic
def transition(*, scope: Scope, user: User, event: Event, target: str, note: str = "") -> Event:
    locked = Event.objects.select_for_update().select_related("department").get(pk=event.pk)
    _check_scope(scope, locked)
    from_state = locked.state
    LIFECYCLE.apply(locked, target, user=user, reason=note)
    signals.transitioned.send(sender=Event, event=locked, from_state=from_state)
    return locked


@transaction.atomic
def duplicate_event(
    *,
    scope: Scope,
    user: User,
    source: Event,
    territories: Iterable[HealthTerritory],
    date: dt.date,
    title: str,
) -> list[Event]:
    """Roll one day out as a draft in each territory, with its programme and documents.

    The copies take the territory's first department; the venue is kept for the organiser to
    change.
    """
    _check_scope(scope, source)
    talks = list(source.talks.all())
    workshops = list(source.workshops.all())
    documents = list(source.documents.all())
    themes = list(source.themes.all())
    created: list[Event] = []
    for territory in territories:
        department = territory.departments.order_by("code").first()
        if department is None:
            raise ValidationError(f"Le territoire « {territory} » n’a aucun département.")
        copy = Event(
            campaign_id=source.campaign_id,
            kind=source.kind,
            title=title,
            summary=source.summary,
            department=department,
            health_territory=territory,
            co_organisers=source.co_organisers,
            date=date,
            starts_at=source.starts_at,
            ends_at=source.ends_at,
            venue_name=source.venue_name,
            venue_address=source.venue_address,
            venue_postcode=source.venue_postcode,
            venue_city=source.venue_city,
            is_public=source.is_public,
            plenary_title=source.plenary_title,
            plenary_description=source.plenary_description,
        )
        create_event(scope=scope, user=user, event=copy, themes=themes)
        for talk in talks:
            talk.pk = None
            talk.event = copy
            talk.save()
        for workshop in workshops:
            workshop.pk = None
            workshop.event = copy
            workshop.save()
        for document in documents:
            with document.file.open("rb") as fh:
                content = fh.read()
            Document.objects.create(
                event=copy,
                title=document.title,
                file=ContentFile(content, name=document.file.name.rsplit("/", 1)[-1]),
                size=document.size,
                uploaded_by=user,
            )
        created.append(copy)
    return created


@transaction.atomic
def add_document(*, scope: Scope, user: User, event: Event, title: str, upload) -> Document:
    _check_scope(scope, event)
    document = Document.objects.create(
        event=event, title=title, file=upload, size=upload.size, uploaded_by=user
    )
    bump_public_content()
    return document


@transaction.atomic
def delete_document(*, scope: Scope, user: User, document: Document) -> None:
    _check_scope(scope, document.event)
    storage, name = document.file.storage, document.file.name
    document.delete()
    # The file goes only once the row is gone for good: a rollback keeps both.
    transaction.on_commit(lambda: storage.delete(name))
    bump_public_content()
