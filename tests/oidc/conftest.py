"""A real OpenID provider for the ProConnect tests: `provider.mjs` (the certified npm package
`oidc-provider`, installed by `make test` with `npm ci` in this folder), started with node on
a free loopback port for the test session and stopped after it.

Without node or the installed package these tests are skipped, unless REQUIRE_BROWSER=1 (as
in CI), where that is a failure. A test signs in through the provider's own pages with a plain
HTTP client (`ProviderBrowser`), and hands the provider's redirect back to Django's test client.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "concertation-test"
CLIENT_SECRET = "secret-de-test-du-client-concertation-0123456789"
# A second service known to the same provider: its ID tokens must not open a session here.
OTHER_CLIENT_ID = "autre-service"
OTHER_CLIENT_SECRET = "secret-de-test-de-l-autre-service-0123456789"
SITE = "http://testserver"
REDIRECT_URI = f"{SITE}/compte/proconnect/retour/"
OTHER_REDIRECT_URI = "http://autre-service.test/retour"
POST_LOGOUT_REDIRECT_URI = f"{SITE}/"
REGISTRATION_TOKEN = "jeton-d-enregistrement-de-test"


def provider_sub(email: str) -> str:
    """The `sub` the test provider gives an e-mail (see provider.mjs)."""
    return "agent-" + hashlib.sha256(email.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict:
        return requests.get(self.discovery_url, timeout=5).json()

    def register_client(self, site: str) -> tuple[str, str]:
        """Registers a client of the site at `site` (RFC 7591); returns its id and secret."""
        response = requests.post(
            self.metadata()["registration_endpoint"], timeout=10,
            headers={"Authorization": f"Bearer {REGISTRATION_TOKEN}"},
            json={
                "redirect_uris": [f"{site}/compte/proconnect/retour/"],
                "post_logout_redirect_uris": [f"{site}/"],
                "token_endpoint_auth_method": "client_secret_post",
                "id_token_signed_response_alg": "RS256",
                "userinfo_signed_response_alg": "RS256",
                "response_types": ["code"],
                "grant_types": ["authorization_code"],
            },
        )
        response.raise_for_status()
        client = response.json()
        return client["client_id"], client["client_secret"]


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} REQUIRE_BROWSER=1 exige le fournisseur OpenID de test.",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        _unavailable("node introuvable : tests ProConnect non exécutés.")
    if not (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        _unavailable("oidc-provider non installé (make test lance npm ci dans tests/oidc).")
    client = {
        "token_endpoint_auth_method": "client_secret_post",
        "id_token_signed_response_alg": "RS256",
        "userinfo_signed_response_alg": "RS256",
        "response_types": ["code"],
        "grant_types": ["authorization_code"],
    }
    clients = [
        {**client, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
         "redirect_uris": [REDIRECT_URI],
         "post_logout_redirect_uris": [POST_LOGOUT_REDIRECT_URI]},
        {**client, "client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET,
         "redirect_uris": [OTHER_REDIRECT_URI]},
    ]
    env = {**os.environ, "OIDC_TEST_CLIENTS": json.dumps(clients), "NODE_ENV": "test",
           "OIDC_TEST_REGISTRATION_TOKEN": REGISTRATION_TOKEN}
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            [node, str(HERE / "provider.mjs")], cwd=HERE, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
        try:
            ready, _, _ = select.select([process.stdout], [], [], 30)
            line = process.stdout.readline() if ready else ""
            if not line:
                stderr.seek(0)
                pytest.fail(f"Le fournisseur OpenID de test n’a pas démarré : {stderr.read()}")
            provider = Provider(issuer=json.loads(line)["issuer"])
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(provider.discovery_url, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield provider
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


@pytest.fixture
def proconnect(settings, oidc_provider) -> Provider:
    """ProConnect configured against the test provider."""
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_DISCOVERY_URL = oidc_provider.discovery_url
    settings.PROCONNECT_ACR = ["eidas1"]
    return oidc_provider


_FORM = re.compile(r'<form[^>]*\baction="([^"]+)"', re.I)
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


class ProviderBrowser:
    """What a browser does at the provider, with plain HTTP requests: follow its redirects
    and fill its forms, until it sends the browser back to the site (returned, not fetched)."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def go(self, url: str, form: dict[str, str] | None = None) -> str:
        method, data = "GET", None
        for _ in range(20):
            if url.startswith(SITE):
                return url
            response = self.http.request(method, url, data=data, allow_redirects=False,
                                         timeout=10)
            method, data = "GET", None
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            match = _FORM.search(response.text)
            if response.status_code != 200 or not match:
                raise AssertionError(f"Page inattendue du fournisseur ({response.status_code}) : "
                                     f"{response.text[:500]}")
            data = dict(_HIDDEN.findall(response.text))
            data.update(form or {})
            url, method = urljoin(url, unescape(match.group(1))), "POST"
        raise AssertionError("Trop de redirections chez le fournisseur.")

    def sign_in(self, authorization_url: str, email: str, acr: str = "eidas1") -> str:
        """Signs in at the provider; returns the URL it sends the browser back to."""
        return self.go(authorization_url, {"email": email, "acr": acr})

    def log_out(self, end_session_url: str) -> str:
        """Confirms the logout at the provider; returns the URL it sends the browser back to."""
        return self.go(end_session_url, {"logout": "yes"})


@pytest.fixture
def provider_browser() -> Iterator[ProviderBrowser]:
    browser = ProviderBrowser()
    yield browser
    browser.http.close()
