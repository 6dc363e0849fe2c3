"""The one write path for labelled projects: creation from origins, the label lifecycle,
milestones, updates, followers and digests. Each function owns its transaction, locks the
project's row, checks the organiser's scope, logs and bumps the public content version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from concertation.accounts.scope import Scope
from concertation.contributions.models import Contribution
from concertation.core import audit, outbox
from concertation.core.models import OutgoingEmail
from concertation.core.public_cache import bump_public_content
from concertation.projects import permissions
from concertation.projects.models import (
    Follower,
    ImportLog,
    Milestone,
    Project,
    ProjectState,
    ProjectUpdate,
    validate_milestone,
)
from concertation.projects.workflow import LIFECYCLE

# An unconfirmed subscriber gets at most one confirmation e-mail in this delay.
CONFIRMATION_RESEND_DELAY = dt.timedelta(minutes=15)
# The states in which a project takes new followers (and invites its contributors).
FOLLOWABLE_STATES = (ProjectState.LABELLED, ProjectState.IN_PROGRESS)


def unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "projet"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check_manage(scope: Scope, project: Project) -> None:
    if not permissions.can_manage(scope, project):
        raise PermissionDenied("Ce projet n’est pas dans votre territoire.")


def _lock(project: Project) -> Project:
    return (Project.objects.select_for_update(of=("self",)).select_related("health_territory")
            .get(pk=project.pk))


def _check_origins(scope: Scope, groups: Iterable, contributions: Iterable,
                   project: Project | None = None) -> tuple[list, list]:
    """Every origin must be eligible now, or already be an origin of `project` (a work lead
    validated since, or a proposal transmitted since, stays an origin)."""
    groups, contributions = list(groups), list(contributions)
    if not groups and not contributions:
        raise ValidationError(
            "Choisissez au moins une proposition adoptée ou une piste de travail à l’origine "
            "du projet.")
    allowed_groups = set(permissions.eligible_groups(scope).filter(
        pk__in=[g.pk for g in groups]).values_list("pk", flat=True))
    allowed_contributions = set(permissions.eligible_contributions(scope).filter(
        pk__in=[c.pk for c in contributions]).values_list("pk", flat=True))
    if project is not None and project.pk:
        allowed_groups |= set(project.origin_groups.values_list("pk", flat=True)) & {
            g.pk for g in groups}
        allowed_contributions |= set(
            project.origin_contributions.values_list("pk", flat=True)) & {
            c.pk for c in contributions}
    if len(allowed_groups) != len(groups) or len(allowed_contributions) != len(contributions):
        raise ValidationError(
            "Une origine choisie n’est plus une proposition adoptée ou une piste de travail "
            "validée de votre territoire.")
    return groups, contributions


def _check_milestone_dates(project: Project) -> None:
    early = project.milestones.filter(actual_date__lt=project.created_on).first()
    if early is not None:
        raise ValidationError(
            f"Le jalon « {early.title} » est daté du {early.actual_date:%d/%m/%Y}, avant la "
            f"création du projet : la date de création ne peut pas être postérieure.")


@transaction.atomic
def create_project(*, scope: Scope, user: User, project: Project, themes: Iterable = (),
                   groups: Iterable = (), contributions: Iterable = ()) -> Project:
    """Save a new project (built by a form, not yet saved) as proposed, with its origins."""
    if not permissions.can_place(scope, project.region_id, project.health_territory):
        raise PermissionDenied("Vous ne pouvez pas porter de projet dans ce territoire.")
    groups, contributions = _check_origins(scope, groups, contributions)
    project.state = ProjectState.PROPOSED
    project.created_by = user
    project.slug = unique_slug(project.title)
    project.save()
    project.themes.set(themes)
    project.origin_groups.set(groups)
    project.origin_contributions.set(contributions)
    sync_contributor_followers(project)
    return project


@transaction.atomic
def update_project(*, scope: Scope, user: User, project: Project, themes: Iterable = (),
                   groups: Iterable = (), contributions: Iterable = ()) -> Project:
    """Save a form's changes to a project's details and origins (not its state)."""
    current = _lock(project)
    _check_manage(scope, current)
    if not permissions.can_place(scope, project.region_id, project.health_territory):
        raise PermissionDenied("Vous ne pouvez pas porter de projet dans ce territoire.")
    if current.state == ProjectState.ABANDONED:
        raise ValidationError("Un projet abandonné ne se modifie plus.")
    groups, contributions = _check_origins(scope, groups, contributions, current)
    _check_milestone_dates(project)
    # The lifecycle fields change only through transition().
    project.state, project.slug = current.state, current.slug
    project.labelled_at, project.labelled_by_id = current.labelled_at, current.labelled_by_id
    project.save()
    project.themes.set(themes)
    project.origin_groups.set(groups)
    project.origin_contributions.set(contributions)
    sync_contributor_followers(project)
    bump_public_content()
    return project


@transaction.atomic
def transition(*, scope: Scope, user: User, project: Project, target: str,
               reason: str = "") -> Project:
    locked = _lock(project)
    _check_manage(scope, locked)
    fields = []
    if target == ProjectState.LABELLED and LIFECYCLE.is_allowed(locked.state, target):
        locked.labelled_at, locked.labelled_by = timezone.now(), user
        fields = ["labelled_at", "labelled_by"]
    LIFECYCLE.apply(locked, target, user=user, reason=reason, update_fields=fields)
    # Now public: its contributors are invited to follow it (no one is subscribed unasked).
    invite_contributors(locked)
    return locked


def _check_milestones_editable(project: Project) -> None:
    if project.state == ProjectState.ABANDONED:
        raise ValidationError("Les jalons d’un projet abandonné ne se modifient plus.")


@transaction.atomic
def save_milestone(*, scope: Scope, user: User, project: Project,
                   milestone: Milestone) -> Milestone:
    """Save a milestone a form built (new or changed)."""
    locked = _lock(project)
    _check_manage(scope, locked)
    _check_milestones_editable(locked)
    validate_milestone(locked, milestone)
    milestone.project = locked
    if not milestone.key:
        milestone.key = _unique_key(locked, milestone.title)
    elif locked.milestones.filter(key=milestone.key).exclude(pk=milestone.pk).exists():
        raise ValidationError(f"Un autre jalon de ce projet a déjà la clé « {milestone.key} ».")
    milestone.save()
    bump_public_content()
    return milestone


def _unique_key(project: Project, title: str) -> str:
    base = slugify(title)[:50] or "jalon"
    key, n = base, 2
    while project.milestones.filter(key=key).exists():
        key = f"{base}-{n}"
        n += 1
    return key


@transaction.atomic
def delete_milestone(*, scope: Scope, user: User, milestone: Milestone) -> None:
    locked = _lock(milestone.project)
    _check_manage(scope, locked)
    _check_milestones_editable(locked)
    if milestone.evidence_file:
        storage, name = milestone.evidence_file.storage, milestone.evidence_file.name
        transaction.on_commit(lambda: storage.delete(name))
    milestone.delete()
    bump_public_content()


@transaction.atomic
def post_update(*, scope: Scope, user: User, project: Project, title: str, text: str,
                published_on: dt.date) -> ProjectUpdate:
    locked = _lock(project)
    _check_manage(scope, locked)
    if locked.state == ProjectState.PROPOSED:
        raise ValidationError("Les actualités se publient une fois le projet labellisé.")
    if published_on < locked.created_on:
        raise ValidationError("La date de l’actualité précède la création du projet.")
    update = ProjectUpdate.objects.create(project=locked, title=title.strip(), text=text.strip(),
                                          published_on=published_on, author=user)
    bump_public_content()
    return update


# Followers -------------------------------------------------------------------------------

def origin_contributor_emails(project: Project) -> set[str]:
    """The addresses of the participants behind the project's origins: authors and
    registrations of the origin contributions, of those merged into them, and of the
    contributions the origin proposals cite."""
    ids = set(project.origin_contributions.values_list("pk", flat=True))
    ids |= set(Contribution.objects.filter(
        synthesis_groups__in=project.origin_groups.all()).values_list("pk", flat=True))
    rows = Contribution.objects.filter(Q(pk__in=ids) | Q(merged_into_id__in=ids)).values_list(
        "author__email", "registration__email")
    return {email.strip().lower() for pair in rows for email in pair if email and email.strip()}


def sync_contributor_followers(project: Project) -> int:
    """Record the origins' participants as followers to invite (unconfirmed: they follow
    only once they opt in by the signed link), and invite them if the project is public.
    One who unsubscribed stays unsubscribed; an address already known is left as it is."""
    emails = origin_contributor_emails(project)
    known = set(project.followers.values_list("email", flat=True))
    new = [Follower(project=project, email=email, source=Follower.Source.CONTRIBUTOR)
           for email in sorted(emails - known)]
    Follower.objects.bulk_create(new, ignore_conflicts=True)
    invite_contributors(project)
    return len(new)


def invite_contributors(project: Project) -> int:
    """Send each contributor follower who has not answered yet the one invitation to follow
    the project (its link is the double opt-in's), once the project is public and takes
    followers. A follower is invited once: one who ignores it hears nothing more."""
    if project.state not in FOLLOWABLE_STATES:
        return 0
    waiting = list(project.followers.filter(
        source=Follower.Source.CONTRIBUTOR, confirmed_at__isnull=True,
        unsubscribed_at__isnull=True).exclude(
        emails__kind=OutgoingEmail.Kind.INVITATION).values_list("pk", flat=True))
    invitations = OutgoingEmail.objects.bulk_create(
        [OutgoingEmail(follower_id=pk, kind=OutgoingEmail.Kind.INVITATION) for pk in waiting])
    for outgoing in invitations:
        outbox.queue(outgoing.pk)
    return len(invitations)


def queue_invitations() -> int:
    """The daily run's share: invite the contributors of every public project not invited
    yet (those recorded before the project took followers, or before invitations existed)."""
    count = 0
    for project in Project.objects.filter(state__in=FOLLOWABLE_STATES).filter(
            followers__source=Follower.Source.CONTRIBUTOR,
            followers__confirmed_at__isnull=True).distinct():
        with transaction.atomic():
            count += invite_contributors(project)
    return count


@transaction.atomic
def subscribe(*, project: Project, email: str) -> Follower:
    """Record a subscription and send the confirmation link (double opt-in). Subscribing
    again re-sends the link, at most once per CONFIRMATION_RESEND_DELAY; an active follower
    gets nothing new, so the form tells nobody whether an address already follows."""
    if project.state not in FOLLOWABLE_STATES:
        raise ValidationError("Ce projet n’accepte plus de nouveaux abonnements.")
    email = email.strip().lower()
    follower, _ = Follower.objects.select_for_update().get_or_create(
        project=project, email=email, defaults={"source": Follower.Source.SUBSCRIBER})
    if follower.active:
        return follower
    recent = follower.emails.filter(
        kind=OutgoingEmail.Kind.FOLLOW_CONFIRMATION,
        created_at__gte=timezone.now() - CONFIRMATION_RESEND_DELAY).exists()
    if not recent:
        outbox.send(OutgoingEmail.Kind.FOLLOW_CONFIRMATION, follower=follower)
    return follower


@transaction.atomic
def confirm(follower: Follower) -> Follower:
    locked = Follower.objects.select_for_update().get(pk=follower.pk)
    now = timezone.now()
    if locked.confirmed_at is None or locked.unsubscribed_at is not None:
        locked.confirmed_at, locked.unsubscribed_at = now, None
        # Updates already published are on the page; the digest brings the next ones.
        locked.last_digest_at = now
        locked.save(update_fields=["confirmed_at", "unsubscribed_at", "last_digest_at"])
    return locked


@transaction.atomic
def unsubscribe(follower: Follower) -> Follower:
    locked = Follower.objects.select_for_update().get(pk=follower.pk)
    if locked.unsubscribed_at is None:
        locked.unsubscribed_at = timezone.now()
        locked.save(update_fields=["unsubscribed_at"])
    return locked


def queue_digests(*, dry_run: bool = False) -> int:
    """One digest e-mail per active follower of each project with updates created since that
    follower's last digest. Returns the number of e-mails queued (or that would be)."""
    count = 0
    projects = Project.objects.filter(updates__isnull=False).distinct()
    for project in projects:
        with transaction.atomic():
            # Rows a concurrent run already holds are left to it.
            followers = list(project.followers.select_for_update(skip_locked=True).filter(
                confirmed_at__isnull=False, unsubscribed_at__isnull=True))
            updates = list(project.updates.order_by("created_at").values_list("pk",
                                                                                "created_at"))
            for follower in followers:
                since = follower.last_digest_at or follower.confirmed_at
                fresh = [pk for pk, created in updates if created > since]
                if not fresh:
                    continue
                count += 1
                if dry_run:
                    continue
                outbox.send(OutgoingEmail.Kind.DIGEST, follower=follower, update_ids=fresh)
                follower.last_digest_at = max(created for pk, created in updates
                                              if pk in fresh)
                follower.save(update_fields=["last_digest_at"])
    return count


# Import -----------------------------------------------------------------------------------

def import_sheet(*, scope: Scope, user: User, filename: str, rows) -> tuple[ImportLog | None,
                                                                       list[str]]:
    """Apply a milestone sheet (rows from `imports.read_sheet`): all of it, or, when any row
    is bad, nothing at all and the list of errors. Projects are locked while checked, so
    what is checked is what is written."""
    from concertation.projects.imports import plan_import

    slugs = {str(values.get("projet") or "").strip() for _, values in rows}
    with transaction.atomic():
        managed = Project.objects.filter(slug__in=slugs).within(scope)
        projects = {p.slug: p for p in managed.select_for_update().order_by("pk")}
        plan = plan_import(rows, projects)
        if plan.errors:
            return None, plan.errors
        log = ImportLog(user=user, filename=filename[:200])
        # What the sheet did to each project, for its history (`projects.import`).
        counts: dict[int, dict[str, int]] = {}

        def count(project: Project, what: str) -> None:
            mine = counts.setdefault(project.pk, {"created": 0, "updated": 0, "unchanged": 0})
            mine[what] += 1
            setattr(log, what, getattr(log, what) + 1)

        for change in plan.changes:
            milestone = change.existing
            if milestone is None:
                Milestone.objects.create(project=change.project, key=change.key,
                                         **change.values)
                count(change.project, "created")
                continue
            changed = [a for a, v in change.values.items() if getattr(milestone, a) != v]
            if not changed:
                count(change.project, "unchanged")
                continue
            for attribute in changed:
                setattr(milestone, attribute, change.values[attribute])
            milestone.save(update_fields=[*changed, "updated_at"])
            count(change.project, "updated")
        by_pk = {p.pk: p for p in projects.values()}
        for pk, target in plan.transitions.items():
            transition(scope=scope, user=user, project=by_pk[pk], target=target,
                       reason=f"Import de la feuille « {filename[:150]} »")
            log.transitions += 1
        log.save()
        for pk, mine in counts.items():
            audit.record("projects.import", by_pk[pk], user=user,
                         summary=(f"Import de la feuille « {filename[:150]} » : "
                                  f"{mine['created']} jalon(s) créé(s), {mine['updated']} "
                                  f"modifié(s), {mine['unchanged']} inchangé(s)"),
                         details={"file": filename[:200], "import": log.pk, **mine})
        if log.created or log.updated:
            bump_public_content()
    return log, []
