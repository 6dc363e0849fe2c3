"""The one write path of the national inbox: reception, acknowledgment, the thread with the
region and what became of each proposal.

Each write takes the scope, locks the transmission row (`select_for_update`) so that two
people of the secretariat acknowledging at once record one acknowledgment, writes, and bumps
the public content version when the synthesis is on the public site (its page shows the
follow-ups)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from concertation.accounts.scope import Scope
from concertation.core import audit
from concertation.core.public_cache import bump_public_content
from concertation.national.models import FollowUp, Message, Transmission
from concertation.synthesis.models import Decision, Synthesis, SynthesisGroup

MAX_MESSAGE = 5000
MAX_MEASURE = 300
# The proposals the national level answers on: those the CRSA adopted (as is or amended).
TRANSMITTED_OUTCOMES = (Decision.Outcome.ADOPTED, Decision.Outcome.AMENDED)


class NationalError(ValidationError):
    pass


def on_transmitted(sender: object, *, synthesis: Synthesis, user: User,
                   **kwargs: object) -> None:
    receive(synthesis, user)


def receive(synthesis: Synthesis, user: User) -> Transmission | None:
    """The inbox row of a regional edition being transmitted. Called (through
    `synthesis.signals.transmitted`) by `synthesis.services.transition` with the synthesis
    row locked, in its transaction: the
    edition and its inbox row are written together or not at all. Other levels (a day, a
    territory) are not sent to the ministry."""
    if synthesis.level != Synthesis.Level.REGION:
        return None
    previous = (Transmission.objects.filter(synthesis_id=synthesis.previous_id).first()
                if synthesis.previous_id else None)
    transmission, created = Transmission.objects.get_or_create(
        synthesis=synthesis, defaults={"previous": previous, "sent_by": user,
                                       "received_at": synthesis.transmitted_at or timezone.now()})
    if created:
        _audit("national.transmission.received", transmission, user,
               f"Version {transmission.version} reçue par le secrétariat national")
    return transmission


def _audit(action: str, transmission: Transmission, user: User, summary: str,
           **details: object) -> None:
    """A transmission's history (`core/audit.py`), in its region's area."""
    audit.record(action, transmission, user=user, summary=summary,
                 area=(transmission.synthesis.region_id, None), details=details)


def _lock(transmission: Transmission) -> Transmission:
    return (Transmission.objects.select_for_update().select_related("synthesis")
            .get(pk=transmission.pk))


def _check_national(scope: Scope) -> None:
    if not scope.national:
        raise PermissionDenied("Cette action est réservée au secrétariat national.")


def _check_region(scope: Scope, transmission: Transmission) -> None:
    if not scope.manage.covers(transmission.synthesis.region_id, None):
        raise PermissionDenied("Cette transmission n’est pas celle de votre région.")


def _published(transmission: Transmission) -> None:
    if transmission.synthesis.is_public:
        bump_public_content()


@transaction.atomic
def acknowledge(*, scope: Scope, user: User, transmission: Transmission) -> Transmission:
    """Acknowledge receipt, once: who and when stay those of the first acknowledgment."""
    _check_national(scope)
    locked = _lock(transmission)
    if locked.acknowledged:
        raise NationalError("La réception de cette transmission est déjà accusée.")
    locked.acknowledged_at, locked.acknowledged_by = timezone.now(), user
    locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
    _audit("national.transmission.acknowledged", locked, user, "Réception accusée")
    return locked


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise NationalError("Écrivez votre message.")
    if len(text) > MAX_MESSAGE:
        raise NationalError(f"Le message dépasse {MAX_MESSAGE} caractères ({len(text)}).")
    return text


@transaction.atomic
def ask(*, scope: Scope, user: User, transmission: Transmission, text: str) -> Message:
    """A question of the national secretariat to the region."""
    _check_national(scope)
    locked = _lock(transmission)
    message = Message.objects.create(transmission=locked, side=Message.Side.NATIONAL,
                                     author=user, text=_clean_text(text))
    _audit("national.transmission.question", locked, user, "Question posée à la région",
           message=message.pk)
    return message


@transaction.atomic
def answer(*, scope: Scope, user: User, transmission: Transmission, text: str) -> Message:
    """The region's answer, written by an organiser of that region (its ARS)."""
    locked = _lock(transmission)
    _check_region(scope, locked)
    if not locked.messages.filter(side=Message.Side.NATIONAL).exists():
        raise NationalError("Le secrétariat national n’a posé aucune question sur cette "
                            "transmission.")
    message = Message.objects.create(transmission=locked, side=Message.Side.REGION,
                                     author=user, text=_clean_text(text))
    _audit("national.transmission.answer", locked, user, "Réponse de la région",
           message=message.pk)
    return message


def answerable_groups(transmission: Transmission) -> QuerySet[SynthesisGroup]:
    """The proposals of the edition the national level gives a follow-up to."""
    return (SynthesisGroup.objects.filter(synthesis_id=transmission.synthesis_id, accepted=True,
                                          decision__outcome__in=TRANSMITTED_OUTCOMES)
            .order_by("position", "id"))


@transaction.atomic
def record_follow_up(*, scope: Scope, user: User, transmission: Transmission, group: int,
                     outcome: str, measure: str = "", reason: str = "") -> FollowUp:
    """What became of one proposal. Recorded again, it replaces the previous answer (a measure
    announced later, a reason made clearer), with its new author and date."""
    _check_national(scope)
    locked = _lock(transmission)
    try:
        proposal = answerable_groups(locked).get(pk=group)
    except SynthesisGroup.DoesNotExist:
        raise NationalError("Cette proposition n’a pas été adoptée dans cette version : elle "
                            "n’appelle pas de suite.") from None
    if outcome not in FollowUp.Outcome.values:
        raise NationalError("Choisissez la suite donnée : retenue dans une mesure nationale, "
                            "déjà couverte ou non retenue.")
    measure, reason = (measure or "").strip(), (reason or "").strip()
    if len(measure) > MAX_MEASURE:
        raise NationalError(f"Le nom de la mesure dépasse {MAX_MEASURE} caractères.")
    if len(reason) > MAX_MESSAGE:
        raise NationalError(f"Le motif dépasse {MAX_MESSAGE} caractères ({len(reason)}).")
    if outcome == FollowUp.Outcome.NOT_RETAINED and not reason:
        raise NationalError("Une proposition non retenue a besoin d’un motif : il est montré à "
                            "la région et au public.")
    if outcome == FollowUp.Outcome.RETAINED and not measure:
        raise NationalError("Nommez la mesure nationale qui reprend la proposition.")
    follow_up, _ = FollowUp.objects.update_or_create(
        group=proposal, defaults={"transmission": locked, "outcome": outcome,
                                  "measure": measure, "reason": reason, "recorded_by": user,
                                  "recorded_at": timezone.now()})
    _audit("national.follow_up", locked, user,
           f"Suite donnée à « {proposal.title} » : {follow_up.get_outcome_display()}",
           group=proposal.pk, outcome=outcome, measure=measure)
    _published(locked)
    return follow_up
