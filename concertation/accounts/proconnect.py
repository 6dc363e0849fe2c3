"""ProConnect sign-in for organisers and staff: OpenID Connect with the State's federation
of agents' identity providers.

The protocol is authlib's (authorization code flow with PKCE, `state` and `nonce` kept in
the session, ID token checked against the provider's JWKS); what ProConnect adds is done
here: the userinfo response is a signed JWT, verified like the ID token; `acr` is asked for
and checked; logout goes through the provider's end-session endpoint. `user_for` then finds
the account: an identity already linked by (issuer, sub), or on the first sign-in an active
account with a role bearing the e-mail ProConnect asserts. Nothing here creates an account
or a role.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from concertation.accounts.models import OidcIdentity

logger = logging.getLogger(__name__)

NAME = "proconnect"
# ProConnect's scopes: each releases the claim of the same name.
SCOPES = "openid email given_name usual_name"
TIMEOUT_S = 10
# Clock skew allowed on exp/iat, in seconds.
LEEWAY_S = 120
# Signatures made with the provider's private keys only: never "none", nor an HMAC that a
# JWKS cannot hold.
ASYMMETRIC_ALGS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# Where the raw ID token is kept in the session, for the logout's id_token_hint.
SESSION_ID_TOKEN = "proconnect_id_token"


class ProConnectError(Exception):
    """A sign-in that cannot go on; the message is French, for the person signing in."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProviderUnavailable(ProConnectError):
    status = 502


class Refused(ProConnectError):
    """The identity is genuine but opens no account here."""

    status = 403


UNAVAILABLE = (
    "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes ou connectez-vous "
    "avec votre identifiant et votre mot de passe."
)
UNVERIFIED = (
    "La réponse de ProConnect n’a pas pu être vérifiée : la connexion est refusée. "
    "Recommencez depuis la page de connexion."
)


def is_configured() -> bool:
    return bool(
        settings.PROCONNECT_CLIENT_ID
        and settings.PROCONNECT_CLIENT_SECRET
        and settings.PROCONNECT_DISCOVERY_URL
    )


_apps: dict[tuple[str, str, str], DjangoOAuth2App] = {}
_apps_lock = threading.Lock()


def _app() -> DjangoOAuth2App:
    """The authlib client for the current settings, one per process: it keeps the provider's
    metadata and keys once fetched (keys are fetched again when a token names an unknown one)."""
    key = (
        settings.PROCONNECT_CLIENT_ID,
        settings.PROCONNECT_CLIENT_SECRET,
        settings.PROCONNECT_DISCOVERY_URL,
    )
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = DjangoOAuth2App(
                DjangoIntegration(NAME),
                name=NAME,
                client_id=key[0],
                client_secret=key[1],
                server_metadata_url=key[2],
                client_kwargs={
                    "scope": SCOPES,
                    "code_challenge_method": "S256",
                    # ProConnect authenticates clients by their secret in the form.
                    "token_endpoint_auth_method": "client_secret_post",
                    "default_timeout": TIMEOUT_S,
                },
            )
        return app


def _metadata(app: DjangoOAuth2App) -> dict[str, Any]:
    try:
        metadata = app.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("ProConnect discovery failed: %s", exc)
        raise ProviderUnavailable(UNAVAILABLE) from exc
    issuer = metadata.get("issuer", "")
    # OpenID Connect Discovery: the issuer is the discovery URL less its well-known suffix.
    expected = settings.PROCONNECT_DISCOVERY_URL.removesuffix("/.well-known/openid-configuration")
    missing = [
        name
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
        if not metadata.get(name)
    ]
    if issuer.rstrip("/") != expected.rstrip("/") or missing:
        logger.error(
            "ProConnect discovery document refused: issuer %r, missing %s", issuer, missing
        )
        app.server_metadata.clear()
        raise ProviderUnavailable(UNAVAILABLE)
    # authlib checks the ID token with the algorithms listed here: asymmetric ones only.
    metadata["id_token_signing_alg_values_supported"] = _signing_algs(
        metadata, "id_token_signing_alg_values_supported"
    )
    return metadata


def _signing_algs(metadata: dict[str, Any], name: str) -> list[str]:
    return sorted(ASYMMETRIC_ALGS.intersection(metadata.get(name) or ["RS256"]))


def start(request: HttpRequest, redirect_uri: str, next_url: str) -> str:
    """Keeps the request's state, nonce and PKCE verifier in the session; returns the
    provider's authorization URL to send the browser to."""
    app = _app()
    _metadata(app)
    params: dict[str, str] = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
    }
    if settings.PROCONNECT_ACR:
        params["acr_values"] = " ".join(settings.PROCONNECT_ACR)
    rv = app.create_authorization_url(redirect_uri, **params)
    app.save_authorize_data(request, redirect_uri=redirect_uri, next=next_url, **rv)
    return rv["url"]


@dataclass(frozen=True)
class Identity:
    issuer: str
    sub: str
    email: str
    given_name: str
    usual_name: str
    id_token: str


def finish(request: HttpRequest) -> tuple[Identity, str]:
    """Checks the provider's answer on the callback; returns the verified identity and where
    the person wanted to go."""
    app = _app()
    metadata = _metadata(app)
    issuer = metadata["issuer"]
    state = request.GET.get("state", "")
    data = app.framework.get_state_data(request.session, state) if state else None
    if not data:
        raise ProConnectError(
            "Cette demande de connexion a expiré ou n’a pas été commencée dans ce navigateur. "
            "Recommencez depuis la page de connexion."
        )
    if request.GET.get("error"):
        app.framework.clear_state_data(request.session, state)
        logger.info("ProConnect answered %s: %s", request.GET["error"],
                    request.GET.get("error_description", ""))
        raise ProConnectError(
            "La connexion avec ProConnect n’a pas abouti. Recommencez depuis la page de connexion."
        )
    # RFC 9207: a provider that names itself in its answer must be the one we asked.
    if "iss" in request.GET and request.GET["iss"] != issuer:
        app.framework.clear_state_data(request.session, state)
        raise ProConnectError(UNVERIFIED)

    claims_options: dict[str, dict[str, Any]] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": settings.PROCONNECT_CLIENT_ID},
    }
    if settings.PROCONNECT_ACR:
        claims_options["acr"] = {"essential": True, "values": list(settings.PROCONNECT_ACR)}
    try:
        # Takes the state out of the session (a replayed callback finds none), exchanges the
        # code with the PKCE verifier, and checks the ID token: signature against the JWKS
        # with the provider's algorithms, iss, aud, azp, exp, iat, nonce, at_hash, acr.
        token = app.authorize_access_token(request, claims_options=claims_options, leeway=LEEWAY_S)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("ProConnect token request failed: %s", exc)
        raise ProviderUnavailable(UNAVAILABLE) from exc
    except (AuthlibBaseError, JoseError) as exc:
        logger.warning("ProConnect sign-in refused: %r", exc)
        raise ProConnectError(UNVERIFIED) from exc
    id_claims = token.get("userinfo")
    if not id_claims or not token.get("access_token"):
        logger.warning("ProConnect token response without an ID token or an access token")
        raise ProConnectError(UNVERIFIED)

    userinfo = _userinfo(app, metadata, token, id_claims["sub"])
    email = userinfo.get("email")
    if not isinstance(email, str) or "@" not in email or userinfo.get("email_verified") is False:
        raise Refused(
            "ProConnect n’a pas transmis d’adresse électronique vérifiée : la connexion est "
            "impossible."
        )
    identity = Identity(
        issuer=issuer,
        sub=id_claims["sub"],
        email=email.strip().lower(),
        given_name=str(userinfo.get("given_name") or ""),
        usual_name=str(userinfo.get("usual_name") or ""),
        id_token=token["id_token"],
    )
    return identity, data.get("next") or ""


def _userinfo(app: DjangoOAuth2App, metadata: dict, token: dict, sub: str) -> dict[str, Any]:
    """ProConnect's userinfo is a JWT signed with the provider's keys: verified like the ID
    token, for the same subject, issuer and audience."""
    try:
        response = app.get(metadata["userinfo_endpoint"], token=token)
    except requests.RequestException as exc:
        logger.warning("ProConnect userinfo request failed: %s", exc)
        raise ProviderUnavailable(UNAVAILABLE) from exc
    if response.status_code >= 500:
        raise ProviderUnavailable(UNAVAILABLE)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code != 200 or content_type != "application/jwt":
        logger.warning("ProConnect userinfo refused: status %s, type %r",
                       response.status_code, content_type)
        raise ProConnectError(UNVERIFIED)
    registry = JWSRegistry(
        algorithms=_signing_algs(metadata, "userinfo_signing_alg_values_supported")
    )
    try:
        try:
            decoded = jwt.decode(response.text, KeySet.import_key_set(app.fetch_jwk_set()),
                                 registry=registry)
        except InvalidKeyIdError:
            # The provider may have rotated its keys since they were fetched.
            keys = KeySet.import_key_set(app.fetch_jwk_set(force=True))
            decoded = jwt.decode(response.text, keys, registry=registry)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY_S,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": settings.PROCONNECT_CLIENT_ID},
            sub={"essential": True, "value": sub},
        ).validate(decoded.claims)
    except requests.RequestException as exc:
        raise ProviderUnavailable(UNAVAILABLE) from exc
    except (JoseError, ValueError) as exc:
        logger.warning("ProConnect userinfo refused: %r", exc)
        raise ProConnectError(UNVERIFIED) from exc
    return decoded.claims


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's end-session URL for this ID token; empty when the provider cannot be
    reached or has none (the local session is ended all the same)."""
    app = _app()
    try:
        metadata = _metadata(app)
    except ProviderUnavailable:
        return ""
    if not metadata.get("end_session_endpoint"):
        return ""
    return app.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
    )["url"]


def _has_role(user) -> bool:
    return user.is_staff or user.memberships.exists()


NO_ACCOUNT = (
    "Aucun compte organisateur n’est ouvert pour l’adresse {email}. L’accès à l’espace "
    "organisateur se fait sur invitation : demandez à votre ARS ou au secrétariat de votre "
    "conseil territorial de santé de vous inviter avec cette adresse."
)


def user_for(identity: Identity):
    """The account this verified identity signs into. Linked identities come first; the e-mail
    only serves the first time, and only for an active account that already has a role."""
    User = get_user_model()
    with transaction.atomic():
        link = (
            OidcIdentity.objects.select_related("user")
            .filter(issuer=identity.issuer, sub=identity.sub)
            .first()
        )
        if link is None:
            candidates = list(
                User.objects.filter(email__iexact=identity.email, is_active=True)
                .filter(Q(is_staff=True) | Q(memberships__isnull=False))
                .distinct()
                .order_by("pk")[:2]
            )
            if not candidates:
                raise Refused(NO_ACCOUNT.format(email=identity.email))
            if len(candidates) > 1:
                raise Refused(
                    f"Plusieurs comptes portent l’adresse {identity.email} : la connexion avec "
                    "ProConnect est impossible tant qu’un administrateur ne les a pas distingués."
                )
            user = candidates[0]
            if OidcIdentity.objects.filter(user=user, issuer=identity.issuer).exists():
                raise Refused(
                    "Ce compte est déjà lié à une autre identité ProConnect. Connectez-vous avec "
                    "celle-ci ou demandez à un administrateur de retirer le lien."
                )
            try:
                with transaction.atomic():
                    link = OidcIdentity.objects.create(
                        user=user, issuer=identity.issuer, sub=identity.sub
                    )
            except IntegrityError:
                # The same first sign-in, finished twice at once: the other one linked it.
                link = OidcIdentity.objects.filter(
                    user=user, issuer=identity.issuer, sub=identity.sub
                ).first()
                if link is None:
                    raise Refused(NO_ACCOUNT.format(email=identity.email)) from None
            logger.info("ProConnect identity linked to user %s", user.pk)
        user = link.user
        if not user.is_active or not _has_role(user):
            raise Refused(
                "Ce compte n’a pas ou plus accès à l’espace organisateur. Adressez-vous à votre "
                "ARS ou au secrétariat de votre conseil territorial de santé."
            )
        OidcIdentity.objects.filter(pk=link.pk).update(last_login_at=timezone.now())
    return user
