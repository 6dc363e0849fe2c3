"""The public API: what it answers, in what order, and how it refuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.core.public_cache import bump_public_content
from tests.api import world as worlds
from tests.factories import ContributionFactory, EventFactory

pytestmark = pytest.mark.django_db


def _all(client, url: str, **params) -> list[dict]:
    """Every row of a list, following `next` page by page."""
    rows, seen_urls = [], 0
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        seen_urls += 1
        assert seen_urls < 100
        response = client.get(body["next"].removeprefix("http://testserver"))


def test_the_openapi_document_describes_every_operation(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/regions/", "/api/v1/departments/", "/api/v1/health-territories/",
        "/api/v1/days/", "/api/v1/days/{slug}/", "/api/v1/contributions/",
        "/api/v1/contributions/{contribution_id}/", "/api/v1/syntheses/",
        "/api/v1/syntheses/{slug}/", "/api/v1/projects/", "/api/v1/projects/{slug}/",
        "/api/v1/organiser/days/", "/api/v1/organiser/days/{day_id}/registrations/",
        "/api/v1/organiser/days/{day_id}/registrations/export",
        "/api/v1/organiser/days/{day_id}/check-ins/", "/api/v1/organiser/milestones/import"}
    public = {p: o for p, o in document["paths"].items() if "/organiser/" not in p}
    assert all(list(operations) == ["get"] for operations in public.values())
    assert all("security" not in operation for operations in public.values()
               for operation in operations.values())
    # The organisers' operations, and they alone, ask for a token.
    assert document["components"]["securitySchemes"]["OrganiserToken"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if "/organiser/" in path:
                assert operation["security"] == [{"OrganiserToken": []}]


def test_the_browsable_page_fetches_nothing_elsewhere(client):
    page = client.get("/api/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_territories_carry_official_codes(client):
    regions = client.get("/api/v1/regions/").json()
    assert {"code": "24", "name": "Centre-Val de Loire", "slug": "centre-val-de-loire"} \
        in regions
    departments = {d["code"]: d for d in client.get("/api/v1/departments/").json()}
    assert departments["28"]["region_code"] == "24" and departments["2A"]["region_code"] == "94"


def test_contributions_page_by_cursor_in_each_sort_without_repeat_or_gap(client):
    world = worlds.build()
    listed = {c.pk for c in world.contributions["listed"]}
    for sort in ("recentes", "soutenues", "consensuelles"):
        rows = _all(client, "/api/v1/contributions/", sort=sort, limit=2)
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)) and set(ids) == listed
        page = client.get(reverse("contributions:list"), {"sort": sort})
        # The same order as the public list.
        html = page.content.decode()
        positions = [html.index(f"<p class=\"fr-text--lg fr-mb-1w\">{r['text']}</p>")
                     for r in rows]
        assert positions == sorted(positions), sort


def test_a_contribution_written_between_two_pages_is_not_read_twice(client):
    world = worlds.build()
    first = client.get("/api/v1/contributions/", {"limit": 2}).json()
    newer = ContributionFactory(event=world.days["public"][1], text="Arrivée entre-temps")
    bump_public_content()
    rest = _all(client, first["next"].removeprefix("http://testserver"))
    ids = [r["id"] for r in first["results"] + rest]
    assert len(ids) == len(set(ids)) and newer.pk not in ids


def test_filters_and_search_are_the_lists(client):
    world = worlds.build()
    past = world.days["public"][1]
    rows = _all(client, "/api/v1/contributions/", event=str(past.pk))
    assert {r["id"] for r in rows} == {c.pk for c in world.contributions["listed"]
                                       if c.event_id == past.pk}
    found = _all(client, "/api/v1/contributions/", q="retained")
    assert [r["id"] for r in found] == [world.contributions["listed"][1].pk]


@pytest.mark.parametrize(("url", "params", "says"), [
    ("/api/v1/contributions/", {"sort": "pire"}, "Filtres invalides"),
    ("/api/v1/contributions/", {"theme": "abc"}, "Filtres invalides"),
    ("/api/v1/contributions/", {"cursor": "pas-un-curseur"}, "Curseur invalide"),
    ("/api/v1/contributions/", {"cursor": "WzEsMl0"}, "Curseur invalide"),
    ("/api/v1/contributions/", {"limit": "beaucoup"}, "Paramètres invalides"),
    ("/api/v1/days/", {"region": "ZZ"}, "Filtres invalides"),
    ("/api/v1/days/", {"start": "2024-13-45"}, "Filtres invalides"),
    ("/api/v1/days/", {"start": "2025-01-02", "end": "2025-01-01"}, "précède"),
    ("/api/v1/days/", {"cursor": "eyJ4IjoxfQ"}, "Curseur invalide"),
])
def test_bad_parameters_get_a_french_400(client, url, params, says):
    response = client.get(url, params)
    assert response.status_code == 400
    assert says in response.json()["detail"]


def test_unknown_ids_are_a_french_404(client):
    for url in ("/api/v1/contributions/99999999999999999999/", "/api/v1/contributions/0/",
                "/api/v1/days/inconnue/", "/api/v1/projects/inconnu/",
                "/api/v1/syntheses/inconnue/"):
        response = client.get(url)
        assert response.status_code in (400, 404), url
        assert response.json()["detail"]


def test_etag_gives_304_until_the_content_changes(client):
    EventFactory()
    first = client.get("/api/v1/days/")
    etag = first["ETag"]
    assert first["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/v1/days/", headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    EventFactory()
    bump_public_content()
    changed = client.get("/api/v1/days/", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(changed.json()["results"]) == 2


def test_past_the_rate_limit_429_with_retry_after(client, settings):
    settings.API_RATE_PER_MINUTE = 3
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/regions/")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "réessayez" in refused.json()["detail"]


def test_cors_preflight(client):
    response = client.options("/api/v1/days/", headers={"origin": "https://example.org"})
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_writes_are_refused(client):
    assert client.post("/api/v1/days/").status_code == 405
