"""The API shows exactly what the public pages show, to anyone: for each list, the objects the
API answers are those of the model's public QuerySet and those the public page lists; each
one's detail answers where its page does, and 404 where its page does; no answer names a
person; a signed-in organiser reads the same answers as an anonymous visitor."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from concertation.contributions.models import Contribution
from concertation.events.models import Event
from concertation.projects.models import Project
from concertation.synthesis.models import Synthesis
from tests.api import world as worlds
from tests.api.test_api import _all
from tests.factories import agency_organiser

pytestmark = pytest.mark.django_db


def _linked(client, page: str, pattern: str) -> set[str]:
    html = client.get(page).content.decode()
    return set(re.findall(pattern, html))


@pytest.fixture
def world():
    return worlds.build()


def test_days(client, world):
    api = {r["slug"] for r in _all(client, "/api/v1/days/", limit=2)}
    assert api == set(Event.objects.public().values_list("slug", flat=True))
    assert api == {e.slug for e in world.days["public"]}
    assert api == _linked(client, reverse("events:agenda"), r'href="/journees/([\w-]+)/"')
    for event in world.days["public"]:
        assert client.get(f"/api/v1/days/{event.slug}/").status_code == 200
        assert client.get(event.get_absolute_url()).status_code == 200
    for event in world.days["hidden"]:
        assert client.get(f"/api/v1/days/{event.slug}/").status_code == 404
        assert client.get(event.get_absolute_url()).status_code == 404


def test_a_published_restitution_is_the_days_page(client, world):
    past = world.days["public"][1]
    body = client.get(f"/api/v1/days/{past.slug}/").json()
    leads = [lead["text"] for workshop in body["restitution"] for lead in workshop["work_leads"]]
    html = client.get(past.get_absolute_url()).content.decode()
    assert leads and all(text in html for text in leads)
    assert client.get(f"/api/v1/days/{world.days['public'][0].slug}/").json()[
        "restitution"] is None


def test_contributions(client, world):
    api = {r["id"] for r in _all(client, "/api/v1/contributions/", limit=3)}
    assert api == set(Contribution.objects.visible().values_list("pk", flat=True))
    assert api == {c.pk for c in world.contributions["listed"]}
    html = client.get(reverse("contributions:list")).content.decode()
    for contribution in Contribution.objects.all():
        assert (contribution.text in html) == (contribution.pk in api), contribution.text
    for contribution in world.contributions["listed"] + world.contributions["merged"]:
        assert client.get(f"/api/v1/contributions/{contribution.pk}/").status_code == 200
        assert client.get(reverse("contributions:detail",
                                  args=[contribution.pk])).status_code == 200
    merged = client.get(f"/api/v1/contributions/{world.contributions['merged'][0].pk}/")
    assert merged.json()["merged_into"] == world.contributions["listed"][0].pk
    for contribution in world.contributions["hidden"]:
        assert client.get(f"/api/v1/contributions/{contribution.pk}/").status_code == 404
        assert client.get(reverse("contributions:detail",
                                  args=[contribution.pk])).status_code == 404


def test_syntheses(client, world):
    api = {r["slug"] for r in _all(client, "/api/v1/syntheses/", limit=1)}
    assert api == set(Synthesis.objects.published().values_list("slug", flat=True))
    assert api == {s.slug for s in world.syntheses["public"]}
    assert api == _linked(client, reverse("synthesis:index"), r'href="/syntheses/([\w-]+)/"')
    shown = world.syntheses["public"][0]
    body = client.get(f"/api/v1/syntheses/{shown.slug}/").json()
    html = client.get(reverse("synthesis:detail", args=[shown.slug])).content.decode()
    for proposal in body["proposals"]:
        assert proposal["text"] in html
    amended = next(p for p in body["proposals"] if p["decision"]["outcome"] == "amended")
    assert amended["text"] == "Un médecin traitant pour chacun, partout."
    assert amended["provenance"]["contributions"] == 2
    for synthesis in world.syntheses["hidden"]:
        assert client.get(f"/api/v1/syntheses/{synthesis.slug}/").status_code == 404
        assert client.get(reverse("synthesis:detail", args=[synthesis.slug])).status_code == 404


def test_projects(client, world):
    api = {r["slug"] for r in _all(client, "/api/v1/projects/", limit=1)}
    assert api == set(Project.objects.public().values_list("slug", flat=True))
    assert api == {p.slug for p in world.projects["public"]}
    assert api == _linked(client, reverse("projects:list"), r'href="/projets/([\w-]+)/"') - {
        "donnees"}
    labelled = client.get(f"/api/v1/projects/{world.projects['public'][0].slug}/").json()
    assert labelled["progress"] == 67 and len(labelled["milestones"]) == 2
    for project in world.projects["hidden"]:
        assert client.get(f"/api/v1/projects/{project.slug}/").status_code == 404
        assert client.get(project.get_absolute_url()).status_code == 404


LISTS = ("/api/v1/days/", "/api/v1/contributions/", "/api/v1/syntheses/",
         "/api/v1/projects/")


def _everything(client, world) -> str:
    answers = [_all(client, url) for url in LISTS]
    answers += [client.get(f"/api/v1/days/{e.slug}/").json() for e in world.days["public"]]
    answers += [client.get(f"/api/v1/syntheses/{s.slug}/").json()
                for s in world.syntheses["public"]]
    answers += [client.get(f"/api/v1/projects/{p.slug}/").json()
                for p in world.projects["public"]]
    answers += [client.get(f"/api/v1/contributions/{c.pk}/").json()
                for c in world.contributions["listed"]]
    return json.dumps(answers, ensure_ascii=False, sort_keys=True)


def test_no_answer_names_a_person(client, world):
    dump = _everything(client, world)
    for personal in ("auteure.secrete@example.org", "Bérénice", "Introuvable", "@"):
        assert personal not in dump.replace("http://testserver", "")


def test_an_organiser_reads_what_anyone_reads(client, world):
    anonymous = _everything(client, world)
    client.force_login(agency_organiser("24"))
    assert _everything(client, world) == anonymous
