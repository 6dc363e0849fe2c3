"""Organisers' API tokens: made, revoked, and checked on each request.

A token is `cct_` and 43 random URL-safe characters (256 bits). It is stored as its SHA-256
only: a token that long cannot be guessed, so a slow hash would add nothing but time to every
request. Each use sets `last_used_at`, writes an `ApiTokenUse` row and a log line; the scope
is the owner's, read through `scope_for` at every request (a membership removed today
narrows the token today)."""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from concertation.accounts.access import allows
from concertation.accounts.scope import Scope, scope_for
from concertation.api.models import ApiToken, ApiTokenUse
from concertation.core import audit
from concertation.registrations.network import client_ip

logger = logging.getLogger(__name__)

PREFIX = "cct_"
MAX_ACTIVE = 20
NOT_ORGANISER = ("Ce jeton appartient à un compte qui n’est plus organisateur d’une ARS ou "
                 "d’un CTS.")


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create(*, scope: Scope, user, name: str) -> tuple[ApiToken, str]:
    """A new token of `user` (an organiser) and its text, which is never shown again."""
    name = name.strip()
    if not allows(scope, "manage"):
        raise PermissionDenied("Seuls les organisateurs d’une ARS ou d’un CTS ont des jetons.")
    if not name:
        raise ValidationError("Donnez un nom au jeton (l’outil qui l’utilisera).")
    with transaction.atomic():
        active = ApiToken.objects.select_for_update().filter(user=user, revoked_at=None)
        if len(active) >= MAX_ACTIVE:
            raise ValidationError(f"Vous avez déjà {MAX_ACTIVE} jetons actifs : révoquez-en "
                                  "un avant d’en créer un autre.")
        raw = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10],
                                        token_hash=_hash(raw))
        audit.record("api.token.created", token, user=user, area=(None, None),
                     summary=f"Jeton d’API « {token.name} » créé", label=token.name,
                     details={"prefix": token.prefix})
    logger.info("API token %s created by user %s", token.pk, user.pk)
    return token, raw


def revoke(*, user, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens (another's is not found: `DoesNotExist`)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record("api.token.revoked", token, user=user, area=(None, None),
                         summary=f"Jeton d’API « {token.name} » révoqué", label=token.name,
                         details={"prefix": token.prefix})
    logger.info("API token %s revoked by user %s", token.pk, user.pk)
    return token


def authenticate(request: HttpRequest, raw: str) -> tuple[ApiToken, Scope] | None:
    """The live token `raw` names and its owner's scope, its use recorded; None when it
    names none (unknown, revoked, or its owner's account closed). An owner without the
    organiser's right any more is refused (`PermissionDenied`)."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(token_hash=_hash(raw), revoked_at=None).first())
    if token is None or not token.user.is_active:
        return None
    scope = scope_for(token.user)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    ApiTokenUse.objects.create(token=token, at=now, method=request.method or "",
                               path=request.path[:300], address=client_ip(request)[:64])
    logger.info("API token %s (user %s): %s %s", token.pk, token.user_id, request.method,
                request.path)
    if not allows(scope, "manage"):
        raise PermissionDenied(NOT_ORGANISER)
    # What this request writes is the token's doing (its id in the audit trail).
    audit.through_api_token(token.pk, token.user)
    return token, scope
