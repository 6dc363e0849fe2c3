"""Every page's query count, pinned: the URL configuration is walked as the role matrix walks
it (`tests/test_access_matrix.py`, whose world and rows this reuses), and every pattern
answering GET is requested as one role that may see it, in the world with one more of every
row its pages list (days, registrations, contributions and votes, comments, syntheses and
their groups, packages, analyses, projects), then with five more. The count must be the
pinned one both times, caches cleared before each request: a
count that grows with the rows is an N+1; a page without a pin fails, so a new page cannot
ship unpinned."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions import services as contributions
from concertation.contributions.models import Comment
from concertation.core import public_cache
from concertation.registrations.services import register
from concertation.synthesis.models import Package
from tests.factories import (
    ContributionFactory,
    EventFactory,
    ProjectFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    WorkshopFactory,
    applicant,
    cite,
)
from tests.test_access_matrix import MATRIX, OK, ROLES, World, build_world, url_patterns

pytestmark = pytest.mark.django_db

# Pages whose count is not the page's own work (not pinned here, with the reason).
UNPINNED = {
    "admin:index": "Django's admin, staff only",
}

# name: (role, queries). The role is the first of the matrix's roles that may see the page
# (anonymous where nobody may: the refusal is pinned); the count is the same in the world and
# in the grown world (the bound on both).
PINS: dict[str, tuple[str, int]] = {
    "accounts:login": ("anonymous", 0),
    "accounts:magic_login": ("anonymous", 1),
    "healthz": ("anonymous", 0),
    "readyz": ("anonymous", 2),
    "accounts:password_reset": ("anonymous", 0),
    "accounts:password_reset_complete": ("anonymous", 0),
    "accounts:password_reset_confirm": ("anonymous", 1),
    "accounts:password_reset_done": ("anonymous", 0),
    "accounts:proconnect_callback": ("anonymous", 0),
    "accounts:proconnect_login": ("anonymous", 0),
    "analysis_runs:detail": ("cts_a", 5),
    "analysis_runs:index": ("cts_a", 10),
    "api:api-root": ("anonymous", 1),
    "api:contribution": ("anonymous", 5),
    "api:contributions": ("anonymous", 12),
    "api:day": ("anonymous", 5),
    "api:days": ("anonymous", 2),
    "api:departments": ("anonymous", 2),
    "api:health_territories": ("anonymous", 2),
    "api:openapi-json": ("anonymous", 1),
    "api:openapi-view": ("anonymous", 1),
    "api:organiser_days": ("cts_a", 0),
    "api:organiser_registrations": ("cts_a", 0),
    "api:organiser_registrations_export": ("cts_a", 0),
    "api:project": ("anonymous", 4),
    "api:projects": ("anonymous", 3),
    "api:regions": ("anonymous", 2),
    "api:syntheses": ("anonymous", 2),
    "api:synthesis": ("anonymous", 10),
    "api_backoffice:tokens": ("cts_a", 6),
    "api_backoffice:webhook": ("cts_a", 6),
    "api_backoffice:webhooks": ("cts_a", 5),
    "backoffice:create": ("cts_a", 8),
    "backoffice:duplicate": ("cts_a", 7),
    "backoffice:edit": ("cts_a", 10),
    "backoffice:home": ("facilitator", 4),
    "backoffice:manage": ("cts_a", 9),
    "backoffice:programme": ("cts_a", 9),
    "contributions:campaign": ("anonymous", 3),
    "contributions:capture": ("facilitator", 7),
    "contributions:contribute": ("account", 8),
    "contributions:detail": ("anonymous", 4),
    "contributions:export": ("anonymous", 6),
    "contributions:list": ("anonymous", 11),
    "contributions:my_workshops": ("facilitator", 6),
    "contributions:priority_account": ("account", 6),
    "contributions:priority_manage": ("facilitator", 10),
    "contributions:priority_participant": ("anonymous", 4),
    "contributions:priority_results": ("anonymous", 4),
    "contributions:projector": ("facilitator", 9),
    "contributions:similar": ("anonymous", 2),
    "contributions:vote_page": ("anonymous", 4),
    "contributions_backoffice:campaign_merge": ("cts_a", 10),
    "contributions_backoffice:day": ("cts_a", 8),
    "contributions_backoffice:facilitators": ("cts_a", 9),
    "contributions_backoffice:moderation": ("cts_a", 7),
    "dashboards:organiser": ("cts_a", 22),
    "dashboards:organiser_export": ("cts_a", 19),
    "dashboards:public": ("anonymous", 14),
    "dashboards:public_export": ("anonymous", 12),
    "events:agenda": ("anonymous", 7),
    "events:agenda_ics": ("anonymous", 1),
    "events:detail": ("anonymous", 6),
    "events:document": ("anonymous", 1),
    "events:ics": ("anonymous", 1),
    "events:region_ics": ("anonymous", 2),
    "front:accessibility": ("anonymous", 0),
    "front:home": ("anonymous", 4),
    "front:legal": ("anonymous", 0),
    "front:magic_request": ("anonymous", 0),
    "front:my_data": ("account", 8),
    "front:my_data_download": ("account", 7),
    "front:my_data_erase": ("account", 4),
    "national:consolidation": ("national", 11),
    "national:consolidation_report": ("national", 8),
    "national:detail": ("national", 17),
    "national:inbox": ("national", 7),
    "projects:confirm": ("anonymous", 1),
    "projects:detail": ("anonymous", 10),
    "projects:evidence": ("anonymous", 1),
    "projects:list": ("anonymous", 7),
    "projects:open_data": ("anonymous", 6),
    "projects:open_data_page": ("anonymous", 0),
    "opendata:catalogue": ("anonymous", 5),
    "opendata:download": ("anonymous", 2),
    "opendata:index": ("anonymous", 5),
    "opendata:schema": ("anonymous", 0),
    "projects:unsubscribe": ("anonymous", 1),
    "projects_backoffice:create": ("cts_a", 10),
    "projects_backoffice:edit": ("cts_a", 14),
    "projects_backoffice:edit_milestone": ("cts_a", 7),
    "projects_backoffice:export": ("cts_a", 5),
    "projects_backoffice:home": ("cts_a", 8),
    "projects_backoffice:import": ("cts_a", 4),
    "projects_backoffice:manage": ("cts_a", 14),
    "registrations:certificate": ("anonymous", 2),
    "registrations:download": ("anonymous", 4),
    "registrations:optout": ("anonymous", 1),
    "registrations:manage": ("anonymous", 4),
    "registrations:privacy": ("anonymous", 0),
    "registrations:register": ("anonymous", 2),
    "registrations:submitted": ("anonymous", 1),
    "registrations_backoffice:add": ("cts_a", 8),
    "registrations_backoffice:attendance_sheet": ("cts_a", 9),
    "registrations_backoffice:accessibility_needs": ("cts_a", 7),
    "registrations_backoffice:badges": ("cts_a", 6),
    "registrations_backoffice:certificates": ("cts_a", 7),
    "registrations_backoffice:check_in": ("cts_a", 9),
    "registrations_backoffice:door": ("cts_a", 5),
    "registrations_backoffice:door_list": ("cts_a", 7),
    "registrations_backoffice:export": ("cts_a", 9),
    "registrations_backoffice:list": ("cts_a", 9),
    "registrations_backoffice:mailings": ("cts_a", 7),
    "registrations_backoffice:participation": ("cts_a", 12),
    "registrations_backoffice:questions": ("cts_a", 6),
    "registrations_backoffice:settings": ("cts_a", 6),
    "synthesis:detail": ("anonymous", 10),
    "synthesis:download": ("anonymous", 2),
    "synthesis:index": ("anonymous", 2),
    "synthesis_backoffice:consolidate": ("cts_a", 8),
    "synthesis_backoffice:consolidated": ("ars_a", 11),
    "synthesis_backoffice:create": ("cts_a", 11),
    "synthesis_backoffice:detection": ("ars_a", 4),
    "synthesis_backoffice:group": ("ars_a", 12),
    "synthesis_backoffice:history": ("ars_a", 6),
    "synthesis_backoffice:index": ("cts_a", 5),
    "synthesis_backoffice:validation": ("ars_a", 11),
    "synthesis_backoffice:workspace": ("ars_a", 18),
    "synthesis_package:download": ("anonymous", 0),
    "synthesis_package:index": ("ars_a", 5),
}


def get_pages() -> list[str]:
    return [name for name in url_patterns() if "GET" in MATRIX[name].methods
            and name not in UNPINNED]


def _role(name: str) -> str:
    """The first role that may see the page; anonymous where nobody may (its refusal)."""
    return next((role for role in ROLES if MATRIX[name].expected[role] == OK), "anonymous")


def grow(world: World, tag: str, n: int) -> None:
    """`n` more of every row the pages list, around the world's own objects."""
    for i in (f"{tag}-{k}" for k in range(n)):
        register(event=world.day, applicant=applicant(email=f"en-plus-{i}@example.org"),
                 workshops=[])
        entry = contributions.capture(workshop=world.workshop, user=None,
                                      text=f"Proposition de plus {i}",
                                      client_id=f"plus-{i}").contribution
        for voter in (UserFactory(), UserFactory()):
            contributions.vote(contribution=entry, value=1, user=voter)
        online = ContributionFactory(campaign=world.campaign, department=world.day.department,
                                     health_territory=world.day.health_territory,
                                     state="published", author=UserFactory())
        Comment.objects.create(contribution=online, text=f"Commentaire {i}",
                               author=UserFactory())
        Comment.objects.create(contribution=world.online, text=f"Avis {i}",
                               author=UserFactory())
        WorkshopFactory(event=world.day, title=f"Atelier de plus {i}")
        EventFactory(campaign=world.campaign, health_territory=world.day.health_territory,
                     department=world.day.department, open=True)
        group = SynthesisGroupFactory(synthesis=world.synthesis, accepted=True)
        cite(group, entry)
        SynthesisGroupFactory(synthesis=world.published, accepted=True)
        SynthesisFactory(campaign=world.campaign, level="region",
                         region=world.synthesis.region, state="validated", is_public=True)
        Package.objects.create(synthesis=world.synthesis, revision=0, status="done", files={})
        AnalysisRun.objects.create(campaign=world.campaign, event=world.day,
                                   engine_version="test", parameters={"groups": None,
                                                                      "seed": 0})
        ProjectFactory(health_territory=world.day.health_territory, in_progress=True)


def _count(client, world: World, name: str, role: str) -> int:
    url = reverse(name, kwargs=MATRIX[name].args(world))
    client.logout()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    # Cold caches: a count or a list that another page put in the cache, or the content
    # version read less than a second ago, changes nothing (as in tests/conftest.py).
    for cache in caches.all():
        cache.clear()
    public_cache._version.update(value=0, expires=0.0)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    assert response.status_code < 500, f"{name} ({url}) as {role}: {response.status_code}"
    # The savepoint of the rollback above is not the page's.
    return sum(1 for q in queries.captured_queries
               if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT",
                                           "ROLLBACK TO SAVEPOINT")))


def test_every_page_has_a_pin():
    missing = sorted(set(get_pages()) - set(PINS))
    assert not missing, ("Ces pages n’ont pas de nombre de requêtes épinglé dans PINS "
                         f"(tests/test_query_counts.py) : {missing}")
    extra = sorted(set(PINS) - set(get_pages()))
    assert not extra, f"Épingles sans page : {extra}"
    wrong = sorted(name for name, (role, _) in PINS.items() if role != _role(name))
    assert not wrong, f"Épingles dont le rôle ne voit pas la page (ou pas le premier) : {wrong}"


def test_each_page_makes_its_pinned_number_of_queries_however_many_rows(client, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    world = build_world()
    pages = sorted(PINS)
    grow(world, "one", 1)  # so that every list of the pages has a row: no branch left out
    small = {name: _count(client, world, name, PINS[name][0]) for name in pages}
    grow(world, "more", 4)
    grown = {name: _count(client, world, name, PINS[name][0]) for name in pages}
    report = [f"{name} ({PINS[name][0]}): {small[name]} puis {grown[name]}, épinglé "
              f"{PINS[name][1]}" for name in pages
              if (small[name], grown[name]) != (PINS[name][1], PINS[name][1])]
    assert not report, "Nombres de requêtes :\n" + "\n".join(report)
