"""Password guessing is limited (django-axes): per account and address, per account, per
address; a locked login says so in French, and a successful login starts the count afresh."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "bon-mot-de-passe-2026"


@pytest.fixture
def organiser():
    user = UserFactory(username="cts28", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client, url, username, password, ip="203.0.113.5"):
    return client.post(url, {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", [reverse("accounts:login"), "/admin/login/"],
                         ids=["organiser", "admin"])
def test_sixty_wrong_passwords_lock_the_account_and_the_right_one_then_fails(
        client, organiser, url):
    statuses = [_login(client, url, "cts28", f"faux-{n}").status_code for n in range(60)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[5:]) == {429}
    response = _login(client, url, "cts28", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives de connexion" in page and "15 minutes" in page
    assert "fr-alert" in page  # a page of the site, not a bare error
    assert not _signed_in(client)


def test_the_owner_elsewhere_still_signs_in_and_a_success_starts_afresh(client, organiser):
    url = reverse("accounts:login")
    for n in range(5):
        _login(client, url, "cts28", f"faux-{n}", ip="203.0.113.5")
    assert _login(client, url, "cts28", PASSWORD, ip="203.0.113.5").status_code == 429
    # From another address the account is not locked (only that address for that account).
    assert _login(client, url, "cts28", PASSWORD, ip="198.51.100.7").status_code == 302
    assert _signed_in(client)
    client.logout()
    # The success wiped the account's failures: four more typos are answered as usual.
    for n in range(4):
        assert _login(client, url, "cts28", f"faux-{n}", ip="198.51.100.7").status_code == 200
    assert _login(client, url, "cts28", PASSWORD, ip="198.51.100.7").status_code == 302


def test_guessing_from_many_addresses_locks_the_account(client, organiser):
    url = reverse("accounts:login")
    for n in range(10):
        _login(client, url, "cts28", "faux", ip=f"192.0.2.{n + 1}")
    assert _login(client, url, "cts28", PASSWORD, ip="192.0.2.200").status_code == 429
    assert not _signed_in(client)


def test_trying_many_accounts_from_one_address_locks_the_address(client, organiser):
    url = reverse("accounts:login")
    for n in range(20):
        _login(client, url, f"inconnu-{n}", "faux")
    assert _login(client, url, "cts28", PASSWORD).status_code == 429
    # Elsewhere the account is untouched.
    assert _login(client, url, "cts28", PASSWORD, ip="198.51.100.7").status_code == 302


@pytest.mark.parametrize("url", [reverse("accounts:login"), "/admin/login/"],
                         ids=["organiser", "admin"])
def test_a_username_longer_than_any_account_is_refused_before_it_is_counted(client, url):
    """Django's sign-in form sets the username's max_length after its validators were built,
    so 10,000 characters reached django-axes, whose failure row holds 255: a 500 on
    PostgreSQL (found by tests/fuzz)."""
    from axes.models import AccessAttempt

    response = _login(client, url, "x" * 10_000, "faux")
    assert response.status_code == 200
    assert "au plus 150 caractères" in response.content.decode()
    assert not AccessAttempt.objects.exists()
