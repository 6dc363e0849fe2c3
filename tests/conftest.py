from __future__ import annotations

import pytest
from django.conf import settings


class InvalidTemplateVariable(str):
    """Makes an undefined variable in a template fail the test instead of rendering blank."""

    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit indéfinie : {other!r}")


@pytest.fixture(autouse=True)
def _strict_templates(settings, tmp_path):
    # Password hashing at full strength costs a tenth of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    settings.MEDIA_ROOT = tmp_path / "media"
    # Background tasks run at once in tests (after commit, like the worker would).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Tests of views read fresh pages; the cache itself has its own tests.
    settings.PUBLIC_PAGE_CACHE = False
    from django.core.cache import cache

    from concertation.core import public_cache

    cache.clear()
    public_cache._version.update(value=0, expires=0.0)


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']}"
