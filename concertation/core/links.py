"""Signed links, the one way: a small payload signed with SECRET_KEY under a salt per purpose,
read back with that purpose's lifetime. Whoever holds the link may do what it is for, nobody
else; a link that is forged, cut short, expired or pointing at nothing raises `BadLink`, whose
text is French and meant for the person who clicked.

Links that must work once only (sign-in by e-mail) keep a row instead of a payload; they derive
their secret with `secret_for` and raise the same `BadLink`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core import signing

INVALID = "Ce lien n’est pas valide : vérifiez qu’il est complet."
EXPIRED = "Ce lien a expiré."


class BadLink(Exception):
    """A link that opens nothing; `str(error)` is the French reason to show."""

    def __init__(self, message: str = INVALID) -> None:
        super().__init__(message)
        self.message = message


def sign(payload: dict[str, Any], *, salt: str, compress: bool = False) -> str:
    """A URL-safe token carrying `payload` (keep it small: it is in the URL)."""
    return signing.dumps(payload, salt=salt, compress=compress)


def read(token: str, *, salt: str, max_age: int | dt.timedelta | None = None,
         expired: str = EXPIRED) -> dict[str, Any]:
    """The payload a token signed under `salt` carries, if it is at most `max_age` old
    (seconds; None: no limit). `expired` is the text when it is too old, to say what to do."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(expired) from None
    except signing.BadSignature:
        raise BadLink(INVALID) from None
    if not isinstance(data, dict):  # signed by us, but not a link's payload
        raise BadLink(INVALID)
    return data


def secret_for(purpose: bytes, nonce: str) -> str:
    """HMAC-SHA256(SECRET_KEY, purpose + nonce), URL-safe: the secret of a link kept as a row
    holding the nonce, so that the row alone cannot produce the link."""
    digest = hmac.new(settings.SECRET_KEY.encode(), purpose + nonce.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
