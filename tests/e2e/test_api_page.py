"""The API's browsable page works in a browser under the site's Content Security Policy,
with nothing fetched from elsewhere, and a call tried from it answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

# Serialized rollback, as every browser test: a plain flush after it would let post_migrate
# write the content types that the next test restores from its serialized copy.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_browsable_api_page_lists_and_tries_the_operations(site):
    site.goto("/api/")
    page = site.page
    expect(page.get_by_text("API publique de Concertation").first).to_be_visible()
    operation = page.locator("#operations-default-concertation_api_api_regions")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table .response .response-col_status")
           ).to_contain_text("200")
    foreign = [url for url in site.watch.requests if not url.startswith(site.base_url)]
    assert not foreign, foreign
    site.assert_healthy()
