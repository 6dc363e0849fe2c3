"""An online participant's rights over their account: access (everything the platform holds
about it, as JSON) and erasure, as registrations already have (`registrations.services`).

Erasure anonymises instead of deleting the user, for the votes' sake: a vote belongs to an
account or a registration (a check constraint), and the counts kept on each contribution are
those of its vote rows (`contributions.services.recount_votes` rebuilds them from the rows;
deleting the user would take the votes with it by cascade, and `contributions.signals`
would recount without them). So the account is kept as an empty, inactive shell that its
votes and priority points stay attached to: nothing in it names anyone any more.

Accounts with a role (a membership, a facilitation) or a staff flag are refused: what they
did is the organisers' record of a consultation, and closing them is the administrator's
call."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from concertation.accounts.models import LoginToken
from concertation.accounts.scope import holds_a_role
from concertation.contributions.models import (
    VISIBLE_STATES,
    Comment,
    Contribution,
    ContributionState,
    ContributionTransition,
    PointAllocation,
    Report,
    Vote,
)
from concertation.projects.models import Follower
from concertation.registrations.models import Registration
from concertation.registrations.services import personal_data as registration_data

# What an erased participant's unpublished texts become: they were never public, and nobody
# may publish them now that their author is gone.
WITHDRAWN_CONTRIBUTION = "Contribution retirée : son auteur a effacé son compte."
WITHDRAWN_COMMENT = "Commentaire retiré : son auteur a effacé son compte."
WITHDRAWN_REASON = "Compte effacé par son auteur"

REFUSAL = ("Votre compte a un rôle sur la plateforme (organisation, modération, animation "
           "d’atelier ou administration) : il ne peut pas être effacé depuis cette page. "
           "Écrivez à l’administrateur de la plateforme pour le fermer.")


class ErasureRefused(PermissionDenied):
    pass


def has_role(user) -> bool:
    """Whether the account acts for the organisers (the same rule that keeps login links
    away from such accounts)."""
    return holds_a_role(user)


def _public() -> Q:
    # `contributions.models.is_public`, as a filter: visible, or merged (its page says where).
    return Q(state__in=VISIBLE_STATES) | Q(merged_into__isnull=False)


def _url(contribution_id: int) -> str:
    return settings.SITE_URL + reverse("contributions:detail", args=[contribution_id])


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _registrations(user):
    if not user.email:
        return Registration.objects.none()
    return (Registration.objects.filter(email__iexact=user.email, anonymised_at__isnull=True)
            .select_related("event__campaign").prefetch_related("workshops", "emails")
            .order_by("created_at", "id"))


def summary(user) -> dict[str, int]:
    """How many of each kind of data the account holds, for the « Mon compte » page."""
    return {
        "contributions": Contribution.objects.filter(author=user).count(),
        "comments": Comment.objects.filter(author=user).count(),
        "votes": Vote.objects.filter(user=user).count(),
        "points": PointAllocation.objects.filter(user=user).count(),
        "reports": Report.objects.filter(reporter=user).count(),
        "follows": Follower.objects.filter(email__iexact=user.email).count()
        if user.email else 0,
        "registrations": _registrations(user).count(),
    }


def personal_data(user) -> dict:
    """Everything the platform holds about this account, for the right of access: its own
    writings, votes, reports and follows, and the registrations made with its address."""
    contributions = (Contribution.objects.filter(author=user)
                     .select_related("campaign", "theme", "department")
                     .order_by("created_at", "id"))
    comments = Comment.objects.filter(author=user).order_by("created_at", "id")
    votes = Vote.objects.filter(user=user).order_by("created_at", "id")
    points = PointAllocation.objects.filter(user=user).order_by("priority_vote_id", "id")
    reports = Report.objects.filter(reporter=user).order_by("created_at", "id")
    follows = (Follower.objects.filter(email__iexact=user.email).select_related("project")
               .order_by("created_at", "id") if user.email else Follower.objects.none())
    return {
        "compte": {
            "identifiant": user.get_username(),
            "adresse_electronique": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "cree_le": _iso(user.date_joined),
            "derniere_connexion": _iso(user.last_login),
        },
        "contributions": [
            {"id": c.pk, "adresse": _url(c.pk), "concertation": c.campaign.title,
             "titre": c.title, "texte": c.text, "etat": c.get_state_display(),
             "theme": c.theme.title if c.theme else None,
             "departement": c.department.name if c.department else None,
             "college": c.college, "creee_le": _iso(c.created_at)}
            for c in contributions
        ],
        "commentaires": [
            {"id": c.pk, "contribution": c.contribution_id, "reponse_a": c.parent_id,
             "texte": c.text, "masque": c.masked, "cree_le": _iso(c.created_at)}
            for c in comments
        ],
        "votes": [
            {"contribution": v.contribution_id, "adresse": _url(v.contribution_id),
             "vote": v.get_value_display(), "vote_le": _iso(v.created_at),
             "modifie_le": _iso(v.updated_at)}
            for v in votes
        ],
        "votes_de_priorite": [
            {"vote_de_priorite": a.priority_vote_id, "contribution": a.contribution_id,
             "points": a.points}
            for a in points
        ],
        "signalements": [
            {"contribution": r.contribution_id, "commentaire": r.comment_id, "motif": r.reason,
             "signale_le": _iso(r.created_at), "traite_le": _iso(r.handled_at)}
            for r in reports
        ],
        "abonnements_projets": [
            {"projet": f.project.title, "source": f.get_source_display(),
             "cree_le": _iso(f.created_at), "confirme_le": _iso(f.confirmed_at),
             "desabonne_le": _iso(f.unsubscribed_at)}
            for f in follows
        ],
        "inscriptions": [registration_data(r) for r in _registrations(user)],
    }


@transaction.atomic
def erase_account(user) -> None:
    """The participant's right to erasure. Public contributions and comments stay, without
    their author; unpublished ones are withdrawn (text replaced, a pending contribution
    refused, logged); reports lose their reporter; project follows are deleted; votes and
    priority points stay, on the emptied account, so every count is unchanged; pending login
    links for the address are dropped. Registrations are not touched: each is erased from
    its own personal link."""
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if has_role(user):
        raise ErasureRefused(REFUSAL)
    now = timezone.now()
    authored = Contribution.objects.filter(author=user)
    withdrawn = authored.exclude(_public())
    # A pending contribution is refused so that it leaves the moderators' queue: the same
    # log a moderator's refusal writes (`contributions.services._log`), in bulk.
    pending = list(withdrawn.filter(state=ContributionState.SUBMITTED)
                   .values_list("pk", flat=True))
    ContributionTransition.objects.bulk_create([
        ContributionTransition(contribution_id=pk, from_state=ContributionState.SUBMITTED,
                               to_state=ContributionState.REJECTED, user=None, at=now,
                               reason=WITHDRAWN_REASON)
        for pk in pending])
    Contribution.objects.filter(pk__in=pending).update(state=ContributionState.REJECTED)
    withdrawn.update(text=WITHDRAWN_CONTRIBUTION, title="", author=None, updated_at=now)
    authored.update(author=None)
    Comment.objects.filter(author=user, masked=True).update(text=WITHDRAWN_COMMENT,
                                                            author=None)
    Comment.objects.filter(author=user).update(author=None)
    Report.objects.filter(reporter=user).update(reporter=None)
    if user.email:
        Follower.objects.filter(email__iexact=user.email).delete()
        # Login links not used yet name the address (and would open a fresh account).
        LoginToken.objects.filter(email__iexact=user.email).delete()
    # A ProConnect identity left from a role since withdrawn must not reach the shell.
    user.oidc_identities.all().delete()
    user.username = f"compte-efface-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.last_login = None
    # Also ends the account's sessions on every device: the session's hash of the password
    # no longer matches.
    user.set_unusable_password()
    # No public page changes (authors are never shown, withdrawn texts were never public):
    # the public content version stays.
    user.save()
