"""End-to-end tests: the real site served by pytest-django's live server, driven by headless
Chromium through Playwright's sync API.

Chromium is Debian's (/usr/bin/chromium); nothing is downloaded. Without it these tests are
skipped, unless REQUIRE_BROWSER=1, where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.helpers import TIMEOUT_MS, Site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the e2e tests of a test process. Package scope, not session: Playwright's
    sync API keeps an event loop running in the main thread, where asgiref's async_to_sync
    refuses to work, so it must be gone when the rest of the suite runs."""
    if not CHROMIUM.exists():
        reason = f"Chromium introuvable ({CHROMIUM}) : tests de bout en bout non exécutés."
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} REQUIRE_BROWSER=1 exige le navigateur.", pytrace=False)
        pytest.skip(reason)
    from django.db import connections

    expect.set_options(timeout=TIMEOUT_MS)
    # While that loop runs, Django's ORM would refuse to work in the test and its fixtures
    # (SynchronousOnlyOperation): allowed for as long as the browser lives, and no longer.
    allow_async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # While that loop runs, asgiref also keeps Django's connections in another store (a context
    # variable instead of the thread's): the test and its fixtures would get new connections,
    # which lack the test database's serialized reference data (so the territories would not
    # be restored after a flush) and are not the one the live server shares on SQLite. Keep
    # the connections the test process already has.
    connections_so_far = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as p:
            for alias, connection in connections_so_far.items():
                connections[alias] = connection
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if allow_async_unsafe is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allow_async_unsafe


@pytest.fixture
def demo(live_server) -> dict[str, int]:
    """The demo data (days, organisers `cts28` and `ars-ara`), loaded again for each test: a
    transactional test empties the database after it, and restores the reference territories
    (serialized_rollback) before the next."""
    from concertation.demo import load_demo

    # The journeys below publish restitutions and walk the regional consolidation themselves,
    # from before the demo's own (published, validated and transmitted); tests/e2e/
    # test_national_flow.py builds its own.
    return load_demo(ministry_story=False)


@pytest.fixture
def open_site(browser, live_server) -> Iterator[Callable[..., Site]]:
    """Opens a browser context on the live server per visitor, and closes them all after."""
    sites: list[Site] = []

    def _open(*, javascript: bool = True) -> Site:
        site = Site(browser, live_server.url, javascript=javascript)
        sites.append(site)
        return site

    yield _open
    for site in sites:
        site.close()


@pytest.fixture
def site(open_site) -> Site:
    """A visitor's browser on the live server."""
    return open_site()
