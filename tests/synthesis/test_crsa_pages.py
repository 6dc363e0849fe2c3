"""The CRSA secretariat's pages: it closes the validation it recorded (after the confirmation
step), and nothing it is shown leads to a page it would be refused — the organisers' menu,
the region's workspace, list and history (found by its journey in Chromium: each of those
links answered 403)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from concertation.accounts.models import OrganiserMembership, Role
from concertation.accounts.scope import scope_for
from concertation.synthesis import services
from concertation.synthesis.models import Synthesis, SynthesisState
from concertation.territories.models import Agency
from tests.factories import UserFactory
from tests.synthesis.workspace_world import submitted, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]


@pytest.fixture
def crsa(world):
    user = UserFactory()
    OrganiserMembership.objects.create(user=user, role=Role.CRSA,
                                       agency=Agency.objects.get(region=world.ain.region))
    return user


def _all_decided(world, crsa) -> Synthesis:
    synthesis = submitted(world)
    for group in synthesis.groups.all():
        services.record_decision(scope=scope_for(crsa), user=crsa, synthesis=synthesis,
                                 group=group, outcome="adopted", votes_for=20, votes_against=3,
                                 abstentions=1)
    synthesis.refresh_from_db()
    return synthesis


def test_the_crsa_secretariat_closes_the_validation_after_the_confirmation(client, world, crsa):
    synthesis = _all_decided(world, crsa)
    client.force_login(crsa)
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    close = reverse("synthesis_backoffice:close_validation", args=[synthesis.pk])
    assert f'action="{close}"' in page.content.decode()
    asked = client.post(close, {"revision": synthesis.revision})
    assert asked.status_code == 200
    assert "Les décisions de la CRSA ne se corrigent plus." in asked.content.decode()
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.IN_VALIDATION
    done = client.post(close, {"revision": synthesis.revision, "confirm": "1"})
    assert done["Location"] == reverse("synthesis_backoffice:validation", args=[synthesis.pk])
    assert Synthesis.objects.get(pk=synthesis.pk).state == SynthesisState.VALIDATED
    assert "La validation est close." in client.get(done["Location"]).content.decode()


def test_the_crsa_secretariat_takes_no_other_step_of_the_region(world, crsa):
    synthesis = _all_decided(world, crsa)
    with pytest.raises(PermissionDenied):
        services.transition(scope=scope_for(crsa), user=crsa, synthesis=synthesis,
                            target=SynthesisState.DRAFT)
    services.transition(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                        target=SynthesisState.VALIDATED)
    with pytest.raises(PermissionDenied):
        services.transition(scope=scope_for(crsa), user=crsa, synthesis=synthesis,
                            target=SynthesisState.TRANSMITTED)


def test_the_crsa_secretariat_is_shown_no_link_it_would_be_refused(client, world, crsa):
    synthesis = submitted(world)
    client.force_login(crsa)
    refused = [reverse("backoffice:home"), reverse("projects_backoffice:home"),
               *(reverse(f"synthesis_backoffice:{name}", args=[synthesis.pk])
                 for name in ("workspace", "consolidated", "history"))]
    pages = [reverse("synthesis_backoffice:index"),
             reverse("synthesis_backoffice:validation", args=[synthesis.pk]),
             reverse("synthesis_package:index", args=[synthesis.pk])]
    for path in pages:
        html = client.get(path).content.decode()
        for href in refused:
            assert f'href="{href}"' not in html, (path, href)
        assert client.get(path).status_code == 200
    # Its own way back from any page: the syntheses it validates, in the menu.
    menu = client.get(reverse("front:my_data")).content.decode()
    assert f'href="{reverse("synthesis_backoffice:index")}"' in menu
    assert ">Synthèses à valider</a>" in menu and ">Mes journées</a>" not in menu
    # Each is refused to it (the organisers' home sends it back to its own page).
    for href in refused:
        assert client.get(href).status_code == (302 if href == refused[0] else 403), href
    # The region's organiser still has all of them.
    client.force_login(world.ars)
    html = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk])
                      ).content.decode()
    for href in refused:
        assert f'href="{href}"' in html, href
