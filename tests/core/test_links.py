"""The one signed-link module: every purpose reads only its own links, within its lifetime,
and every failure is a `BadLink` with a French reason."""

import datetime as dt
from unittest import mock

import pytest
from django.core import signing

from concertation.core import links


def test_a_link_reads_back_its_payload_under_its_salt():
    token = links.sign({"r": 7, "c": "ABC"}, salt="test.a")
    assert links.read(token, salt="test.a", max_age=60) == {"r": 7, "c": "ABC"}
    assert links.read(links.sign({"x": 1}, salt="test.a", compress=True), salt="test.a") == {
        "x": 1}


def test_another_purpose_or_a_cut_link_is_not_valid():
    token = links.sign({"r": 7}, salt="test.a")
    for bad, salt in ((token, "test.b"), (token[:-2], "test.a"), ("", "test.a")):
        with pytest.raises(links.BadLink) as error:
            links.read(bad, salt=salt)
        assert str(error.value) == "Ce lien n’est pas valide : vérifiez qu’il est complet."


def test_an_old_link_says_it_expired_with_the_purpose_own_words():
    token = links.sign({"r": 7}, salt="test.a")
    later = signing.time.time() + 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        with pytest.raises(links.BadLink, match="^Ce lien a expiré.$"):
            links.read(token, salt="test.a", max_age=60)
        with pytest.raises(links.BadLink, match="abonnez-vous"):
            links.read(token, salt="test.a", max_age=dt.timedelta(minutes=1),
                       expired="Ce lien a expiré : abonnez-vous à nouveau.")
        assert links.read(token, salt="test.a") == {"r": 7}  # no lifetime: never expires


def test_a_signed_value_that_is_not_a_payload_is_refused():
    with pytest.raises(links.BadLink):
        links.read(signing.dumps([1, 2], salt="test.a"), salt="test.a")


def test_secrets_depend_on_purpose_nonce_and_key(settings):
    first = links.secret_for(b"p:", "n1")
    assert first == links.secret_for(b"p:", "n1")
    assert len({first, links.secret_for(b"q:", "n1"), links.secret_for(b"p:", "n2")}) == 3
    settings.SECRET_KEY = "another key " * 5
    assert links.secret_for(b"p:", "n1") != first


def test_the_apps_have_no_link_exception_of_their_own():
    from concertation.accounts import magic
    from concertation.projects import tokens as project_tokens
    from concertation.registrations import tokens as registration_tokens

    for module in (magic, project_tokens, registration_tokens):
        assert not any(isinstance(value, type) and issubclass(value, Exception)
                       and value is not links.BadLink for value in vars(module).values())
