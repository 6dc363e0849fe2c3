import pytest
from django.core.exceptions import ImproperlyConfigured

from concertation.env import env_bool, env_choice, env_int, env_list


def test_env_helpers_read_typed_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.fr, b.fr,,")
    monkeypatch.setenv("X_CHOICE", "Neutral")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 0) == 42
    assert env_list("X_LIST", []) == ["a.fr", "b.fr"]
    assert env_choice("X_CHOICE", ("dsfr", "neutral"), "dsfr") == "neutral"
    assert env_bool("X_MISSING", True) is True


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [
        ("X_BOOL", "peut-être", lambda: env_bool("X_BOOL")),
        ("X_INT", "douze", lambda: env_int("X_INT", 0)),
        ("X_CHOICE", "bleu", lambda: env_choice("X_CHOICE", ("dsfr", "neutral"), "dsfr")),
    ],
)
def test_env_helpers_refuse_bad_values_in_one_line(monkeypatch, name, value, call):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as error:
        call()
    assert name in str(error.value) and "\n" not in str(error.value)


def test_debug_is_off_by_default(settings):
    assert settings.DEBUG is False
