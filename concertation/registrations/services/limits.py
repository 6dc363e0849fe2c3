"""Rate limits of sign-ups and of requests for a link by e-mail, counted apart, and the
pruning of their records."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from concertation.registrations import signup_sql
from concertation.registrations.models import (
    LinkRequest,
    RegistrationAttempt,
)
from concertation.registrations.services.base import RateLimited

RATE_WINDOW = dt.timedelta(hours=1)


def _hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


# Sign-ups and requests for a link by e-mail (login link, confirmation again) are counted
# apart (`RegistrationAttempt`, `LinkRequest`): a venue's attendees behind one NAT asking for
# login links leave its sign-ups alone, and the other way round. Neither count per e-mail
# address ever refuses a sign-up: anyone can type anyone's address, so such a limit would let
# them lock its owner out. Per address, sign-up attempts only bound how often an address
# already registered is mailed (`remind_registered`).
IP_LIMIT = "Trop d’inscriptions depuis cette connexion : réessayez dans une heure."
LINK_IP_LIMIT = "Trop de demandes depuis cette connexion : réessayez dans une heure."
LINK_EMAIL_LIMIT = ("Plusieurs liens ont déjà été envoyés à cette adresse dans l’heure : "
                    "utilisez le plus récent, ou réessayez plus tard.")


def _sign_up_count(ip: str, email: str, now: dt.datetime
                   ) -> tuple[RegistrationAttempt, tuple[str, list[object]]]:
    """This sign-up's attempt (not saved) and the one definition of its limit: the SQL
    counting the sign-ups from its network address within the window, with its parameters."""
    ip_hash = _hash(ip)
    attempt = RegistrationAttempt(ip_hash=ip_hash, email_hash=_hash(email.lower()), at=now)
    return attempt, signup_sql.attempts_count(ip_hash, now - RATE_WINDOW)


def _attempt(*, ip: str, email: str, now: dt.datetime | None = None) -> RegistrationAttempt:
    """Refuse a burst of sign-ups from one network address; return this attempt's record, not
    yet saved (refused attempts are not recorded, so a flood counts no further)."""
    now = now or timezone.now()
    attempt = RegistrationAttempt(ip_hash=_hash(ip), email_hash=_hash(email.lower()), at=now)
    # The count stays near its limit, as refusals are not recorded.
    if signup_sql.attempts_from(attempt.ip_hash, now - RATE_WINDOW) >= (
            settings.REGISTRATION_RATE_PER_IP):
        raise RateLimited(IP_LIMIT)
    return attempt


def _within_limits(ip: str, email: str, now: dt.datetime
                   ) -> tuple[RegistrationAttempt, tuple[str, list[object]]]:
    """This sign-up's attempt (not saved) and an SQL condition: it stays within the limit.
    The sign-up's rows are written only if it holds, in the same statement (see
    `sql.insert_chain`), so a sign-up checks the limit without a query of its own."""
    attempt, (count, params) = _sign_up_count(ip, email, now)
    return attempt, (f"({count}) < %s", [*params, settings.REGISTRATION_RATE_PER_IP])


def check_link_request_limit(*, ip: str, email: str, now: dt.datetime | None = None) -> None:
    """Refuse a burst of requests for a link by e-mail from one network address or for one
    e-mail address, then record this one. Counted apart from sign-ups."""
    now = now or timezone.now()
    ip_hash, email_hash = _hash(ip), _hash(email.lower())
    counts = LinkRequest.objects.filter(at__gte=now - RATE_WINDOW).aggregate(
        by_ip=Count("pk", filter=Q(ip_hash=ip_hash)),
        by_email=Count("pk", filter=Q(email_hash=email_hash)),
    )
    if counts["by_ip"] >= settings.LINK_REQUEST_RATE_PER_IP:
        raise RateLimited(LINK_IP_LIMIT)
    if counts["by_email"] >= settings.LINK_REQUEST_RATE_PER_EMAIL:
        # The owner is not locked out: the links already sent to them still work.
        raise RateLimited(LINK_EMAIL_LIMIT)
    LinkRequest.objects.create(ip_hash=ip_hash, email_hash=email_hash, at=now)


def prune_rate_limit_records(now: dt.datetime | None = None) -> int:
    """Drop sign-up attempts and link requests older than the rate-limit window (they no
    longer count), and login links past their lifetime."""
    from concertation.accounts import magic

    since = (now or timezone.now()) - RATE_WINDOW
    deleted, _ = RegistrationAttempt.objects.filter(at__lt=since).delete()
    requests, _ = LinkRequest.objects.filter(at__lt=since).delete()
    return deleted + requests + magic.prune(now)
