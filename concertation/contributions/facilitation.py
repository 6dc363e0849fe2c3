"""Who runs a workshop live: the day's organisers give a workshop its facilitators by e-mail
address. An address without an account gets one (no password yet: the invitation lets its
owner choose it); a facilitator is a role, so they sign in with a password, never with a
participant's e-mail link."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from concertation.accounts.scope import Scope
from concertation.contributions.models import Facilitation
from concertation.core import audit, outbox
from concertation.core.models import OutgoingEmail
from concertation.events.models import Workshop


class FacilitationError(ValidationError):
    pass


def _check(scope: Scope, workshop: Workshop) -> None:
    if not scope.can_manage_event(workshop.event):
        raise PermissionDenied("Cet atelier n’est pas dans votre périmètre.")


def assign(*, scope: Scope, workshop: Workshop, email: str, first_name: str = "",
           last_name: str = "") -> tuple[Facilitation, bool]:
    """Make the owner of `email` a facilitator of `workshop`; mails them once, after commit.
    Returns the facilitation and whether it is new."""
    _check(scope, workshop)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise FacilitationError("Saisissez l’adresse électronique de l’animateur, par "
                                "exemple nom@domaine.fr.") from None
    User = get_user_model()
    with transaction.atomic():
        account = User.objects.filter(email__iexact=email).order_by("id").first()
        if account is None:
            try:
                with transaction.atomic():
                    account = User.objects.create_user(
                        username=email[:150], email=email, first_name=first_name.strip()[:150],
                        last_name=last_name.strip()[:150])
            except IntegrityError:
                raise FacilitationError("Un autre compte porte déjà cet identifiant : "
                                        "demandez à l’administration de vérifier.") from None
            account.set_unusable_password()
            account.save(update_fields=["password"])
        elif not account.is_active:
            raise FacilitationError("Le compte de cette adresse est désactivé : il ne peut pas "
                                    "animer d’atelier.")
        facilitation, created = Facilitation.objects.get_or_create(user=account,
                                                                   workshop=workshop)
        if created:
            outbox.send(OutgoingEmail.Kind.FACILITATION, facilitation=facilitation)
            _audit("accounts.role.granted", facilitation, "donné")
    return facilitation, created


def _audit(action: str, facilitation: Facilitation, verb: str) -> None:
    """A facilitator's role, in the audit trail as the other roles (`accounts/signals.py`),
    about the account, in the day's area."""
    event = facilitation.workshop.event
    audit.record(action, facilitation.user, user=audit.current_actor(),
                 area=(event.department.region_id, event.health_territory_id),
                 summary=f"Rôle « Animation » {verb} (atelier « {facilitation.workshop} »)",
                 details={"role": "facilitator", "workshop": facilitation.workshop_id})


def remove(*, scope: Scope, facilitation: Facilitation) -> None:
    _check(scope, facilitation.workshop)
    with transaction.atomic():
        _audit("accounts.role.revoked", facilitation, "retiré")
        facilitation.delete()
