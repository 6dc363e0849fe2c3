"""The national inbox: reception with the transmission, acknowledgment once, the thread with
the region, follow-ups (reason required when not retained), a new edition as version 2 with
its differences; and the pages as each role sees them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from concertation.accounts.models import OrganiserMembership, Role
from concertation.accounts.scope import scope_for
from concertation.national import services
from concertation.national.models import FollowUp, Message, Transmission
from concertation.synthesis import editing
from concertation.synthesis import services as synthesis_services
from concertation.synthesis.models import Decision
from tests.factories import (
    SynthesisFactory,
    SynthesisGroupFactory,
    UserFactory,
    agency_organiser,
    make_territory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    territory = make_territory("28")
    ars = agency_organiser("24")
    national = UserFactory()
    OrganiserMembership.objects.create(user=national, role=Role.NATIONAL)
    synthesis = SynthesisFactory(level="region", region=territory.region, state="validated",
                                 title="Synthèse régionale Centre-Val de Loire",
                                 is_public=True)
    adopted = SynthesisGroupFactory(synthesis=synthesis, title="Un médecin traitant pour tous")
    amended = SynthesisGroupFactory(synthesis=synthesis, title="Former en prévention")
    Decision.objects.create(group=adopted, outcome="adopted", votes_for=30, votes_against=2,
                            abstentions=1, original_text=adopted.text)
    Decision.objects.create(group=amended, outcome="amended", votes_for=25, votes_against=3,
                            abstentions=0, original_text=amended.text,
                            amended_text="Former tous les soignants à la prévention.")
    return {"ars": ars, "national": national, "synthesis": synthesis, "adopted": adopted,
            "amended": amended, "other_ars": agency_organiser("84")}


def transmit(world, synthesis=None):
    return synthesis_services.transition(scope=scope_for(world["ars"]), user=world["ars"],
                                         synthesis=synthesis or world["synthesis"],
                                         target="transmitted")


def test_transmission_creates_the_inbox_row(world):
    transmit(world)
    transmission = Transmission.objects.get(synthesis=world["synthesis"])
    assert transmission.sent_by == world["ars"] and transmission.version == 1
    assert transmission.previous is None and not transmission.acknowledged


def test_a_day_synthesis_is_not_sent_to_the_inbox(world):
    day = SynthesisFactory(level="territory", region=None, state="validated",
                           health_territory=make_territory("28"))
    assert services.receive(day, world["ars"]) is None
    assert not Transmission.objects.filter(synthesis=day).exists()


def test_acknowledgment_is_recorded_once(world):
    transmit(world)
    transmission = world["synthesis"].transmission
    scope = scope_for(world["national"])
    services.acknowledge(scope=scope, user=world["national"], transmission=transmission)
    transmission.refresh_from_db()
    assert transmission.acknowledged_by == world["national"]
    first = transmission.acknowledged_at
    with pytest.raises(services.NationalError):
        services.acknowledge(scope=scope, user=UserFactory(), transmission=transmission)
    transmission.refresh_from_db()
    assert transmission.acknowledged_at == first
    with pytest.raises(PermissionDenied):
        services.acknowledge(scope=scope_for(world["ars"]), user=world["ars"],
                             transmission=transmission)


def test_question_and_answer(world):
    transmit(world)
    transmission = world["synthesis"].transmission
    with pytest.raises(services.NationalError):  # nothing asked yet
        services.answer(scope=scope_for(world["ars"]), user=world["ars"],
                        transmission=transmission, text="Réponse")
    services.ask(scope=scope_for(world["national"]), user=world["national"],
                 transmission=transmission, text="Combien de participants à Chartres ?")
    with pytest.raises(PermissionDenied):
        services.answer(scope=scope_for(world["other_ars"]), user=world["other_ars"],
                        transmission=transmission, text="Pas ma région")
    with pytest.raises(services.NationalError):
        services.ask(scope=scope_for(world["national"]), user=world["national"],
                     transmission=transmission, text="   ")
    services.answer(scope=scope_for(world["ars"]), user=world["ars"],
                    transmission=transmission, text="92 participants.")
    assert [(m.side, m.author) for m in transmission.messages.all()] == [
        (Message.Side.NATIONAL, world["national"]), (Message.Side.REGION, world["ars"])]


def test_follow_up_needs_a_reason_when_not_retained(world):
    transmit(world)
    transmission = world["synthesis"].transmission
    scope, user = scope_for(world["national"]), world["national"]
    with pytest.raises(services.NationalError, match="motif"):
        services.record_follow_up(scope=scope, user=user, transmission=transmission,
                                  group=world["adopted"].pk, outcome="not_retained")
    with pytest.raises(services.NationalError, match="mesure"):
        services.record_follow_up(scope=scope, user=user, transmission=transmission,
                                  group=world["adopted"].pk, outcome="retained")
    services.record_follow_up(scope=scope, user=user, transmission=transmission,
                              group=world["adopted"].pk, outcome="not_retained",
                              reason="Relève des négociations conventionnelles.")
    services.record_follow_up(scope=scope, user=user, transmission=transmission,
                              group=world["adopted"].pk, outcome="retained",
                              measure="Loi du 27 décembre 2023 (accès aux soins)")
    follow_up = FollowUp.objects.get()
    assert follow_up.outcome == "retained" and follow_up.reason == ""


def test_a_follow_up_form_leads_back_to_its_proposal(world, client):
    """Twenty proposals on one page: after each form the page comes back to the proposal just
    followed up (it went back to the top), also when the form is refused."""
    transmit(world)
    transmission = world["synthesis"].transmission
    group = world["amended"]
    client.force_login(world["national"])
    page = client.get(reverse("national:detail", args=[transmission.pk])).content.decode()
    action = reverse("national:follow_up", args=[transmission.pk, group.pk])
    assert f'id="proposition-{group.pk}"' in page
    assert f'action="{action}#proposition-{group.pk}"' in page
    for fields in ({"outcome": "retained"}, {"outcome": "retained", "measure": "Loi santé"}):
        response = client.post(action, fields)
        assert response["Location"] == reverse(
            "national:detail", args=[transmission.pk]) + f"#proposition-{group.pk}"
    assert FollowUp.objects.get().measure == "Loi santé"


def test_a_new_edition_is_version_2_with_its_differences(world):
    transmit(world)
    scope, ars = scope_for(world["ars"]), world["ars"]
    second = synthesis_services.new_edition(scope=scope, user=ars, synthesis=world["synthesis"])
    group = second.groups.get(title="Un médecin traitant pour tous")
    editing.update_group(scope=scope, user=ars, synthesis=second, group=group,
                                    title=group.title, kind=group.kind, theme=None,
                                    text="Un médecin traitant pour chaque patient en ALD.")
    for target in ("in_validation",):
        synthesis_services.transition(scope=scope, user=ars, synthesis=second, target=target)
    for g in second.groups.all():
        synthesis_services.record_decision(scope=scope, user=ars, synthesis=second, group=g,
                                           outcome="adopted", votes_for=20, votes_against=1,
                                           abstentions=0)
    synthesis_services.transition(scope=scope, user=ars, synthesis=second, target="validated")
    transmit(world, second)
    transmission = Transmission.objects.get(synthesis=second)
    assert transmission.version == 2
    assert transmission.previous == world["synthesis"].transmission
    from concertation.national.versions import version_diff

    diff = version_diff(transmission)
    assert [c.title for c in diff.changed if "texte modifié" in c.what] == [
        "Un médecin traitant pour tous"]
    assert not diff.added and not diff.removed
    client_page = _page(world["national"], "national:detail", transmission.pk)
    assert "Différences avec la version 1" in client_page and "ALD" in client_page


def _page(user, name, *args):
    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_pages_per_role(world, client):
    transmit(world)
    transmission = world["synthesis"].transmission
    inbox = _page(world["national"], "national:inbox")
    assert "Synthèse régionale Centre-Val de Loire" in inbox and "À accuser" in inbox
    client.force_login(world["national"])
    other = client.get(reverse("national:inbox"), {"region": "84"}).content.decode()
    assert "Synthèse régionale Centre-Val de Loire" not in other
    client.force_login(world["ars"])
    assert client.get(reverse("national:inbox")).status_code == 403
    client.force_login(world["national"])
    # Acknowledgment asks for confirmation first, then records.
    url = reverse("national:acknowledge", args=[transmission.pk])
    assert "Oui, accuser réception" in client.post(url).content.decode()
    transmission.refresh_from_db()
    assert not transmission.acknowledged
    client.post(url, {"confirm": "1"})
    transmission.refresh_from_db()
    assert transmission.acknowledged_by == world["national"]
    client.post(reverse("national:ask", args=[transmission.pk]),
                {"text": "Quelles journées ont porté la proposition 1 ?"})
    client.post(reverse("national:follow_up", args=[transmission.pk, world["amended"].pk]),
                {"outcome": "not_retained", "reason": "Déjà financé par le fonds régional."})
    # The region reads and answers from its back-office page.
    client.force_login(world["ars"])
    workspace = client.get(reverse("synthesis_backoffice:workspace",
                                   args=[world["synthesis"].pk])).content.decode()
    assert "Quelles journées ont porté la proposition 1 ?" in workspace
    assert "Déjà financé par le fonds régional." in workspace
    client.post(reverse("national_region:answer", args=[world["synthesis"].pk]),
                {"text": "Les journées de Chartres et de Dreux."})
    assert transmission.messages.filter(side="region").count() == 1
    # The public page shows the follow-up.
    client.logout()
    public = client.get(reverse("synthesis:detail", args=[world["synthesis"].slug]))
    assert "Déjà financé par le fonds régional." in public.content.decode()


@pytest.mark.parametrize("count", [1, 4])
def test_inbox_query_count_is_constant(world, client, count, django_assert_num_queries):
    transmit(world)
    for i in range(count - 1):
        other = SynthesisFactory(level="region", region=world["synthesis"].region,
                                 state="transmitted", title=f"Autre synthèse {i}")
        Transmission.objects.create(synthesis=other, acknowledged_by=world["national"],
                                    acknowledged_at=other.created_at)
    client.force_login(world["national"])
    # session, user, memberships, the header's role check; transmissions, regions, campaigns
    with django_assert_num_queries(7):
        page = client.get(reverse("national:inbox")).content.decode()
    assert page.count("/espace-national/transmissions/") == count


@pytest.mark.parametrize("follow_ups", [0, 2])
def test_transmission_page_query_count_is_constant(world, client, follow_ups,
                                                   django_assert_num_queries):
    transmit(world)
    transmission = world["synthesis"].transmission
    scope = scope_for(world["national"])
    for group in [world["adopted"], world["amended"]][:follow_ups]:
        services.record_follow_up(scope=scope, user=world["national"],
                                  transmission=transmission, group=group.pk,
                                  outcome="covered", reason="Déjà dans le plan national.")
        services.ask(scope=scope, user=world["national"], transmission=transmission,
                     text=f"Question sur {group.title}")
    client.force_login(world["national"])
    # the same for no follow-up and for several, with their thread and its history
    with django_assert_num_queries(15) as captured:
        page = client.get(reverse("national:detail", args=[transmission.pk])).content.decode()
    # Each reason shows in its line and in its form, ready to be changed.
    assert page.count("Déjà dans le plan national.") == 2 * follow_ups, len(captured)
