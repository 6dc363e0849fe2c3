"""ProConnect sign-in end to end against a real OpenID provider on loopback (conftest.py):
the site's views, authlib and the provider's endpoints all run; only where a test plays an
attacker does it alter what the provider sent, on the wire."""

from __future__ import annotations

import base64
import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from concertation.accounts.models import OidcIdentity, OrganiserMembership
from tests.factories import UserFactory, make_territory, organiser_of
from tests.oidc.conftest import (
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    OTHER_REDIRECT_URI,
    POST_LOGOUT_REDIRECT_URI,
    SITE,
    provider_sub,
)

pytestmark = pytest.mark.django_db

EMAIL = "camille.agent@ars.sante.fr"
UNVERIFIED = "n’a pas pu être vérifiée"


def invited_organiser(email: str = EMAIL):
    user = organiser_of(make_territory())
    user.email = email
    user.save(update_fields=["email"])
    return user


def start(client, next_url: str = "") -> str:
    """The site's first step: returns the provider's authorization URL it redirects to."""
    response = client.get("/compte/proconnect/connexion/", {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    return response["Location"]


def back_to_site(client, url: str):
    """The provider's redirect to the callback, followed by the site's test client."""
    assert url.startswith(SITE), url
    return client.get(url.removeprefix(SITE))


def sign_in(client, provider_browser, email: str = EMAIL, acr: str = "eidas1", next_url=""):
    return back_to_site(client, provider_browser.sign_in(start(client, next_url), email, acr))


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def text(response) -> str:
    return response.content.decode()


# -- Sign-in -------------------------------------------------------------------------------


def test_login_page_shows_the_proconnect_button(client, proconnect):
    page = text(client.get("/compte/connexion/"))
    assert 'class="fr-connect fr-connect--proconnect"' in page
    assert "S’identifier avec" in page and "ProConnect" in page
    assert 'action="/compte/proconnect/connexion/"' in page
    # The demo's password login stays.
    assert 'name="password"' in page


def test_authorization_request_carries_state_nonce_pkce_and_acr(client, proconnect):
    url = urlsplit(start(client))
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    metadata = proconnect.metadata()
    assert f"{url.scheme}://{url.netloc}{url.path}" == metadata["authorization_endpoint"]
    assert query["response_type"] == "code"
    assert query["client_id"] == "concertation-test"
    assert query["redirect_uri"] == f"{SITE}/compte/proconnect/retour/"
    assert set(query["scope"].split()) == {"openid", "email", "given_name", "usual_name"}
    assert query["acr_values"] == "eidas1"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert len(query["code_challenge"]) == 43


def test_invited_organiser_signs_in_and_is_linked_by_issuer_and_sub(
    client, proconnect, provider_browser
):
    organiser = invited_organiser()

    response = sign_in(client, provider_browser, email="Camille.Agent@ars.sante.fr")

    assert response.status_code == 302
    assert response["Location"] == "/espace-organisateur/"
    assert signed_in_user_id(client) == str(organiser.pk)
    assert client.get("/espace-organisateur/").status_code == 200
    identity = OidcIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.sub) == (
        organiser, proconnect.issuer, provider_sub("Camille.Agent@ars.sante.fr")
    )
    assert identity.last_login_at is not None
    # Still the organiser's only role: the sign-in gave none.
    assert list(OrganiserMembership.objects.filter(user=organiser)) == list(
        organiser.memberships.all()
    )
    assert organiser.memberships.count() == 1


def test_a_linked_identity_signs_in_by_sub_even_after_the_account_email_changed(
    client, proconnect, provider_browser
):
    organiser = invited_organiser()
    sign_in(client, provider_browser)
    client.logout()
    organiser.email = "nouvelle.adresse@ars.sante.fr"
    organiser.save(update_fields=["email"])

    response = sign_in(client, provider_browser)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(organiser.pk)
    assert OidcIdentity.objects.count() == 1


def test_staff_without_membership_signs_in(client, proconnect, provider_browser):
    staff = UserFactory(email=EMAIL, is_staff=True)

    response = sign_in(client, provider_browser, next_url="/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(staff.pk)


def test_next_pointing_to_another_site_is_dropped(
    client, proconnect, provider_browser
):
    invited_organiser()
    response = sign_in(client, provider_browser, next_url="https://ailleurs.example/")
    assert response["Location"] == "/espace-organisateur/"


# -- Logout --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/compte/deconnexion/", "/compte/proconnect/deconnexion/"])
def test_logout_goes_through_the_end_session_endpoint_with_id_token_hint(
    client, proconnect, provider_browser, path
):
    invited_organiser()
    sign_in(client, provider_browser)
    id_token = client.session["proconnect_id_token"]

    response = client.post(path)

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == proconnect.metadata()["end_session_endpoint"]
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == POST_LOGOUT_REDIRECT_URI
    assert query["state"]
    # The local session is gone before the browser reaches the provider.
    assert signed_in_user_id(client) is None
    assert "proconnect_id_token" not in client.session
    assert client.get("/espace-organisateur/").status_code == 302

    # The provider accepts the hint, ends its own session and sends the browser back home.
    back = provider_browser.log_out(response["Location"])
    assert back.startswith(POST_LOGOUT_REDIRECT_URI)
    assert parse_qs(urlsplit(back).query)["state"] == [query["state"]]
    # Its session is over: signing in again asks for the login form anew.
    authorize = provider_browser.http.get(start(client), allow_redirects=False, timeout=10)
    assert "/interaction/" in authorize.headers["Location"]


def test_logout_of_a_password_session_stays_local(client, proconnect):
    organiser = invited_organiser()
    client.force_login(organiser)
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


def test_logout_wants_a_post(client, proconnect):
    assert client.get("/compte/proconnect/deconnexion/").status_code == 405


# -- Refusals ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(_unb64(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{_b64(bytes(raw))}"


def _change_payload(token: str, **claims) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(_unb64(payload))
    data.update(claims)
    return f"{header}.{_b64(json.dumps(data).encode())}.{signature}"


def _unsigned(token: str) -> str:
    _, payload, _ = token.split(".")
    return f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}."


@pytest.fixture
def on_the_wire(monkeypatch):
    """Rewrites what the provider answers to the site (an attacker between them, or a
    provider's response forged): `on_the_wire(url, rewrite)` applies rewrite(response)."""
    rewrites = []
    send = requests.Session.send

    def tampered_send(session, request, **kwargs):
        response = send(session, request, **kwargs)
        for url, rewrite in rewrites:
            if response.url.split("?")[0] == url:
                rewrite(response)
        return response

    monkeypatch.setattr(requests.Session, "send", tampered_send)
    return lambda url, rewrite: rewrites.append((url, rewrite))


def _rewrite_id_token(change):
    def rewrite(response):
        body = response.json()
        body["id_token"] = change(body["id_token"])
        response._content = json.dumps(body).encode()

    return rewrite


def assert_refused(client, response, status=400, message=UNVERIFIED, identities=0):
    assert response.status_code == status, text(response)
    assert message in text(response)
    assert "Connexion avec ProConnect impossible" in text(response)
    assert signed_in_user_id(client) is None
    assert "proconnect_id_token" not in client.session
    assert OidcIdentity.objects.count() == identities


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_flip_signature, id="signature"),
        pytest.param(lambda t: _change_payload(t, sub="agent-usurpe"), id="payload-sub"),
        pytest.param(lambda t: _change_payload(t, aud="autre-service"), id="payload-aud"),
        pytest.param(lambda t: _change_payload(t, exp=1), id="payload-exp"),
        pytest.param(_unsigned, id="alg-none"),
        pytest.param(lambda t: t.split(".")[0] + "..", id="truncated"),
    ],
)
def test_tampered_id_token_is_refused(client, proconnect, provider_browser, on_the_wire, change):
    invited_organiser()
    on_the_wire(proconnect.metadata()["token_endpoint"], _rewrite_id_token(change))
    assert_refused(client, sign_in(client, provider_browser))


def test_id_token_without_nonce_of_this_request_is_refused(client, proconnect, provider_browser):
    """The session's nonce no longer matches the one the provider put in the ID token (a
    token obtained for another sign-in, injected into this one)."""
    invited_organiser()
    back = provider_browser.sign_in(start(client), EMAIL)
    session = client.session
    (key,) = [k for k, _ in session.items() if k.startswith("_state_proconnect_")]
    state = session[key]
    state["data"]["nonce"] = secrets.token_urlsafe(32)
    session[key] = state
    session.save()
    assert_refused(client, back_to_site(client, back))


def _id_token_for_the_other_service(provider_browser, metadata, nonce: str) -> str:
    """A genuine ID token of the same provider, signed with its key, for another service."""
    query = {
        "client_id": OTHER_CLIENT_ID, "response_type": "code", "scope": "openid email",
        "acr_values": "eidas1",
        "redirect_uri": OTHER_REDIRECT_URI, "nonce": nonce, "state": "autre",
        "code_challenge_method": "S256",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    }
    url = requests.Request("GET", metadata["authorization_endpoint"], params=query).prepare().url
    browser = type(provider_browser)()
    # Its redirect URI is not this site's: follow by hand until it comes back there.
    response = browser.http.get(url, allow_redirects=False, timeout=10)
    while not response.headers["Location"].startswith(OTHER_REDIRECT_URI):
        location = requests.compat.urljoin(response.url, response.headers["Location"])
        if "/interaction/" in location and not location.endswith("/login"):
            uid = location.rstrip("/").rsplit("/", 1)[1]
            response = browser.http.post(
                requests.compat.urljoin(location, f"/interaction/{uid}/login"),
                data={"email": EMAIL, "acr": "eidas1"}, allow_redirects=False, timeout=10,
            )
        else:
            response = browser.http.get(location, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    token = requests.post(metadata["token_endpoint"], timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": OTHER_REDIRECT_URI,
        "client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET,
        "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    })
    token.raise_for_status()
    browser.http.close()
    return token.json()["id_token"]


def test_id_token_issued_to_another_service_is_refused(
    client, proconnect, provider_browser, on_the_wire
):
    """Signature, issuer and nonce all right, but the audience is another service."""
    invited_organiser()
    metadata = proconnect.metadata()
    authorization_url = start(client)
    nonce = parse_qs(urlsplit(authorization_url).query)["nonce"][0]
    foreign = _id_token_for_the_other_service(provider_browser, metadata, nonce)
    assert json.loads(_unb64(foreign.split(".")[1]))["aud"] == OTHER_CLIENT_ID
    on_the_wire(metadata["token_endpoint"], _rewrite_id_token(lambda _: foreign))
    assert_refused(client, back_to_site(client, provider_browser.sign_in(authorization_url, EMAIL)))


def test_expired_id_token_is_refused(client, proconnect, provider_browser, monkeypatch):
    """The provider's genuine token, checked an hour later than it was issued (it lives ten
    minutes, the leeway is two)."""
    from joserfc.jwt import JWTClaimsRegistry

    invited_organiser()
    back = provider_browser.sign_in(start(client), EMAIL)
    monkeypatch.setattr(JWTClaimsRegistry, "now", property(lambda _: int(time.time()) + 3600))
    assert_refused(client, back_to_site(client, back))


def test_answer_naming_another_issuer_is_refused(client, proconnect, provider_browser):
    """RFC 9207: the `iss` of the authorization response must be the provider asked."""
    invited_organiser()
    back = provider_browser.sign_in(start(client), EMAIL)
    assert f"iss={proconnect.issuer}".replace(":", "%3A").replace("/", "%2F") in back
    forged = back.replace("iss=http%3A%2F%2F127.0.0.1", "iss=http%3A%2F%2F127.0.0.2")
    assert_refused(client, back_to_site(client, forged))


def test_tampered_userinfo_is_refused(client, proconnect, provider_browser, on_the_wire):
    """The userinfo JWT names another e-mail, keeping the provider's signature."""
    UserFactory(email="directeur@ars.sante.fr", is_staff=True, is_superuser=True)
    invited_organiser()

    def rewrite(response):
        response._content = _change_payload(
            response.text, email="directeur@ars.sante.fr"
        ).encode()

    on_the_wire(proconnect.metadata()["userinfo_endpoint"], rewrite)
    assert_refused(client, sign_in(client, provider_browser))


def test_userinfo_as_plain_json_is_refused(client, proconnect, provider_browser, on_the_wire):
    invited_organiser()

    def rewrite(response):
        response._content = json.dumps({"sub": provider_sub(EMAIL), "email": EMAIL}).encode()
        response.headers["Content-Type"] = "application/json"

    on_the_wire(proconnect.metadata()["userinfo_endpoint"], rewrite)
    assert_refused(client, sign_in(client, provider_browser))


def test_authentication_below_the_required_acr_is_refused(
    client, proconnect, provider_browser, settings
):
    settings.PROCONNECT_ACR = ["eidas2", "eidas3"]
    invited_organiser()
    assert_refused(client, sign_in(client, provider_browser, acr="eidas1"))


def test_forged_or_replayed_callback_is_refused(client, proconnect, provider_browser):
    invited_organiser()
    start(client)
    forged = client.get("/compte/proconnect/retour/", {"code": "x", "state": "forged"})
    assert_refused(client, forged, message="n’a pas été commencée dans ce navigateur")

    back = provider_browser.sign_in(start(client), EMAIL)
    assert back_to_site(client, back).status_code == 302
    client.logout()
    # The one legitimate sign-in linked the identity; its replay opens nothing more.
    assert_refused(client, back_to_site(client, back),
                   message="n’a pas été commencée dans ce navigateur", identities=1)


def test_callback_in_another_browser_is_refused(client, proconnect, provider_browser):
    """The state lives in the session of the browser that started: a code sent to someone
    else's browser (login CSRF) opens nothing."""
    from django.test import Client

    invited_organiser()
    back = provider_browser.sign_in(start(client), EMAIL)
    other = Client()
    response = back_to_site(other, back)
    assert response.status_code == 400
    assert other.session.get("_auth_user_id") is None


def test_provider_error_answer_is_a_french_page(client, proconnect):
    authorization_url = start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    response = client.get("/compte/proconnect/retour/",
                          {"error": "access_denied", "state": state})
    assert_refused(client, response, message="La connexion avec ProConnect n’a pas abouti")


def test_provider_down_is_a_502_page(client, settings, proconnect):
    settings.PROCONNECT_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = client.get("/compte/proconnect/connexion/")
    assert_refused(client, response, status=502, message="ProConnect ne répond pas")


@pytest.mark.parametrize("email_case", ["unknown", "participant", "inactive"])
def test_email_without_an_invited_account_is_refused_and_creates_nothing(
    client, proconnect, provider_browser, email_case
):
    User = get_user_model()
    if email_case == "participant":
        UserFactory(email=EMAIL)
    elif email_case == "inactive":
        inactive = invited_organiser()
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
    users_before = set(User.objects.values_list("pk", flat=True))
    memberships_before = OrganiserMembership.objects.count()

    response = sign_in(client, provider_browser)

    assert_refused(client, response, status=403,
                   message=f"Aucun compte organisateur n’est ouvert pour l’adresse {EMAIL.lower()}")
    assert set(User.objects.values_list("pk", flat=True)) == users_before
    assert OrganiserMembership.objects.count() == memberships_before
    assert not User.objects.filter(is_staff=True).exists()


def test_account_linked_to_another_identity_is_not_taken_over(
    client, proconnect, provider_browser
):
    organiser = invited_organiser()
    OidcIdentity.objects.create(user=organiser, issuer=proconnect.issuer, sub="agent-autre")
    response = sign_in(client, provider_browser)
    assert response.status_code == 403
    assert "déjà lié à une autre identité ProConnect" in text(response)
    assert signed_in_user_id(client) is None
    assert list(OidcIdentity.objects.values_list("sub", flat=True)) == ["agent-autre"]


def test_linked_account_that_lost_its_role_is_refused(client, proconnect, provider_browser):
    organiser = invited_organiser()
    sign_in(client, provider_browser)
    client.logout()
    organiser.memberships.all().delete()
    response = sign_in(client, provider_browser)
    assert response.status_code == 403
    assert "n’a pas ou plus accès" in text(response)
    assert signed_in_user_id(client) is None


# -- Not configured ------------------------------------------------------------------------


def test_not_configured_no_button_and_404(client, settings, db):
    settings.PROCONNECT_CLIENT_ID = ""
    settings.PROCONNECT_CLIENT_SECRET = ""
    settings.PROCONNECT_DISCOVERY_URL = ""
    page = text(client.get("/compte/connexion/"))
    assert "fr-connect" not in page and "ProConnect" not in page
    assert 'name="password"' in page
    assert client.get("/compte/proconnect/connexion/").status_code == 404
    assert client.get("/compte/proconnect/retour/", {"code": "x", "state": "y"}).status_code == 404
    assert client.post("/compte/proconnect/deconnexion/").status_code == 404
    # The ordinary logout keeps working.
    client.force_login(UserFactory())
    assert client.post("/compte/deconnexion/").status_code == 302
    assert signed_in_user_id(client) is None
