"""Contributions coming in: typed live by a facilitator (idempotent on the browser's id),
submitted online, edited, commented; similar proposals shown while typing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from concertation.campaigns.models import Campaign, Theme
from concertation.contributions.models import (
    VISIBLE_STATES,
    Comment,
    Contribution,
    ContributionState,
)
from concertation.contributions.services.lifecycle import ContributionError, _log, clean_text
from concertation.core.public_cache import bump_public_content
from concertation.events.models import EventState, Workshop
from concertation.territories.models import Department


@dataclass
class Captured:
    contribution: Contribution
    created: bool


CAPTURE_STATES = (EventState.REGISTRATION_OPEN, EventState.REGISTRATION_CLOSED,
                  EventState.PUBLISHED, EventState.HELD)


def capture(*, workshop: Workshop, user: User, text: str, client_id: str,
            college: str = "") -> Captured:
    """A proposal typed live by a facilitator. Idempotent on `client_id`: a resent entry
    (flaky venue Wi-Fi) returns the one already stored."""
    if not client_id or len(client_id) > 64:
        raise ContributionError("Identifiant de saisie manquant ou invalide.")
    existing = Contribution.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.workshop_id != workshop.pk:
            raise ContributionError("Cet identifiant de saisie appartient à un autre atelier.")
        return Captured(existing, created=False)
    event = workshop.event
    if event.state not in CAPTURE_STATES:
        raise ContributionError("La saisie est fermée pour cette journée.")
    text = clean_text(text)
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                campaign_id=event.campaign_id, theme_id=workshop.theme_id, text=text,
                origin=Contribution.Origin.WORKSHOP, event=event, workshop=workshop,
                department_id=event.department_id, health_territory_id=event.health_territory_id,
                entered_by=user, college=college,
                # Said aloud in the room and typed by the facilitator: public at once.
                state=ContributionState.PUBLISHED, client_id=client_id,
            )
    except IntegrityError:
        # The same entry arrived twice at the same instant: the first one won.
        return Captured(Contribution.objects.get(client_id=client_id), created=False)
    # Published at once: the public list (cached for visitors) must show it. Bumped after the
    # insert's commit, not inside it: every capture updates that one row, and facilitators
    # capturing at once queued on it for as long as each insert took to commit.
    bump_public_content()
    return Captured(contribution, created=True)


@transaction.atomic
def edit_text(*, contribution: Contribution, text: str, user: User) -> Contribution:
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.state in (ContributionState.MERGED, ContributionState.TRANSMITTED):
        raise ContributionError("Cette contribution ne peut plus être modifiée.")
    contribution.text = clean_text(text)
    contribution.save(update_fields=["text", "updated_at"])
    bump_public_content()
    return contribution


@transaction.atomic
def submit_online(*, campaign: Campaign, user: User, title: str, text: str, theme: Theme | None,
                  department: Department, college: str,
                  flagged: bool = False) -> Contribution:
    """A contribution typed on the platform. Published at once under post-moderation, unless
    it was flagged (personal health details), which always waits for a moderator."""
    if not campaign.online_open:
        raise ContributionError("Les contributions en ligne sont fermées pour cette concertation.")
    if theme is not None and theme.campaign_id != campaign.pk:
        raise ContributionError("Ce thème n’appartient pas à cette concertation.")
    publish = campaign.moderation == campaign.Moderation.POST and not flagged
    territory = department.health_territories.order_by("id").first()
    contribution = Contribution.objects.create(
        campaign=campaign, theme=theme, title=title.strip()[:200], text=clean_text(text),
        origin=Contribution.Origin.ONLINE, department=department, health_territory=territory,
        author=user, college=college,
    )
    if publish:
        _log(contribution, ContributionState.PUBLISHED, user, "Publication immédiate "
             "(modération a posteriori)")
    return contribution


MAX_COMMENT = 2000


def add_comment(*, contribution: Contribution, user: User, text: str,
                parent: Comment | None = None) -> Comment:
    text = (text or "").strip()
    if not text:
        raise ContributionError("Le commentaire est vide.")
    if len(text) > MAX_COMMENT:
        raise ContributionError(f"Le commentaire dépasse {MAX_COMMENT} caractères.")
    if contribution.state not in VISIBLE_STATES:
        raise ContributionError("Cette contribution n’est pas ouverte aux commentaires.")
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent  # one level of replies: answer the thread's first comment
    return Comment.objects.create(contribution=contribution, author=user, text=text,
                                  parent=parent)


def similar_contributions(*, campaign: Campaign, text: str, limit: int = 5) -> list[Contribution]:
    """Published contributions close to `text`: candidates from the full-text index, ranked
    by the analysis engine's pair similarity."""
    from concertation.contributions.search import search

    words = [w for w in text.split() if len(w) > 3][:30]
    if len(words) < 2:
        return []
    candidates = list(
        search(Contribution.objects.visible().filter(campaign=campaign), " ".join(words),
               any_word=True)
        .order_by("-agree_count")[:50]
    )
    if not candidates:
        return []
    from concertation.analysis.similarity import pair_similarity

    scores = pair_similarity([text] * len(candidates), [c.text for c in candidates])
    ranked = sorted(zip(scores, candidates, strict=True), key=lambda pair: -pair[0])
    return [c for score, c in ranked[:limit] if score >= SIMILAR_THRESHOLD]


# Pair similarity (0 to 1) above which a proposal is shown as close: chosen loose, since the
# person reading decides whether it says the same thing.
SIMILAR_THRESHOLD = 0.15
