from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.synthesis import editing, services
from concertation.synthesis.models import Decision, Synthesis
from tests.factories import (
    ContributionFactory,
    SynthesisFactory,
    SynthesisGroupFactory,
    cite,
)
from tests.synthesis.workspace_world import drafted, regional, submitted, validated, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]

ROLES = ["ars", "cts_ain", "ars_elsewhere", "cts_elsewhere", "outsider", "anonymous"]
# Who may open a regional synthesis of Auvergne-Rhône-Alpes: its ARS only. Others' work is
# a 404; a signed-in user without membership is refused (403); anonymous goes to sign in.
REGIONAL = {"ars": 200, "cts_ain": 404, "ars_elsewhere": 404, "cts_elsewhere": 404,
            "outsider": 403, "anonymous": 302}
# A synthesis of the Ain's territory: its CTS and the region's ARS.
TERRITORIAL = {**REGIONAL, "cts_ain": 200}


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _pages(synthesis: Synthesis) -> list[str]:
    group = synthesis.groups.first()
    return [
        reverse("synthesis_backoffice:workspace", args=[synthesis.pk]),
        reverse("synthesis_backoffice:group", args=[synthesis.pk, group.pk]),
        reverse("synthesis_backoffice:consolidated", args=[synthesis.pk]),
        reverse("synthesis_backoffice:validation", args=[synthesis.pk]),
        reverse("synthesis_backoffice:history", args=[synthesis.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_of_a_regional_synthesis_by_role(client, world, role):
    synthesis = drafted(world)
    _login(client, world, role)
    for url in _pages(synthesis):
        response = client.get(url)
        assert response.status_code == REGIONAL[role], url
        if role == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_pages_of_a_territory_synthesis_by_role(client, world, role):
    synthesis = services.create_synthesis(
        scope=scope_for(world.cts_ain), user=world.cts_ain, campaign=world.campaign,
        level="territory", title="Synthèse de l’Ain", health_territory=world.ain)
    editing.create_group(scope=scope_for(world.cts_ain), user=world.cts_ain,
                          synthesis=synthesis, title="Accès",
                          contribution_ids=[world.contributions[0].pk])
    _login(client, world, role)
    for url in _pages(synthesis):
        assert client.get(url).status_code == TERRITORIAL[role], url


@pytest.mark.parametrize("role", ROLES)
def test_list_and_creation_pages_by_role(client, world, role):
    synthesis = regional(world)
    _login(client, world, role)
    expected = {"outsider": 403, "anonymous": 302}.get(role, 200)
    for name in ("index", "create", "consolidate"):
        assert client.get(reverse(f"synthesis_backoffice:{name}")).status_code == expected
    if expected == 200:
        page = client.get(reverse("synthesis_backoffice:index")).content.decode()
        link = reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
        assert (link in page) == (role == "ars")


def _fresh(world) -> tuple[Synthesis, int]:
    """A draft regional synthesis built directly: an accepted group, two suggestions and a
    contribution not yet grouped."""
    synthesis = SynthesisFactory(campaign=world.campaign, region=world.ain.region)
    synthesis.days.set([world.day_ain, world.day_isere])
    accepted = SynthesisGroupFactory(synthesis=synthesis, title="Retenu")
    first = SynthesisGroupFactory(synthesis=synthesis, accepted=False, title="Suggestion 1")
    second = SynthesisGroupFactory(synthesis=synthesis, accepted=False, title="Suggestion 2")
    a, b, c, d = (ContributionFactory(event=world.day_ain) for _ in range(4))
    cite(accepted, a, b)
    cite(first, c)
    cite(second, d)
    return synthesis, world.contributions[0].pk


# Each editing action of a draft: (url name, group it acts on or None, what it posts).
ACTIONS = [
    ("suggestions", None, lambda g: {"action": "accept", "group": g["Suggestion 1"].pk}),
    ("suggestions", None, lambda g: {"action": "dismiss", "group": g["Suggestion 1"].pk}),
    ("suggestions", None, lambda g: {"action": "accept_all"}),
    ("new_group", None, lambda g: {"title": "Nouveau", "selected": [g["loose"]]}),
    ("new_group", None, lambda g: {"add": "1", "target": g["Retenu"].pk,
                                   "selected": [g["loose"]]}),
    ("merge", None, lambda g: {"selected": [g["Suggestion 1"].pk], "target": g["Retenu"].pk}),
    ("group", "Retenu", lambda g: {"title": "Renommé", "kind": "proposal", "text": "T"}),
    ("group_action", "Retenu", lambda g: {"action": "remove", "selected": [g["first"]]}),
    ("group_action", "Retenu", lambda g: {"action": "move", "selected": [g["first"]],
                                          "target": g["Suggestion 2"].pk}),
    ("group_action", "Retenu", lambda g: {"action": "split", "selected": [g["first"]],
                                          "title": "Scindé"}),
    ("group_action", "Suggestion 2", lambda g: {"action": "remove",
                                                "selected": [g["second"]]}),
    ("details", None, lambda g: {"title": "Nouveau titre", "introduction": ""}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "on", "data"), ACTIONS)
def test_editing_actions_by_role(client, world, role, name, on, data):
    synthesis, loose = _fresh(world)
    groups = {g.title: g for g in synthesis.groups.all()}
    groups["first"] = groups["Retenu"].items.order_by("pk").first().contribution_id
    groups["second"] = groups["Suggestion 2"].items.get().contribution_id
    groups["loose"] = loose
    args = [synthesis.pk] + ([groups[on].pk] if on else [])
    _login(client, world, role)
    response = client.post(reverse(f"synthesis_backoffice:{name}", args=args),
                           {**data(groups), "revision": synthesis.revision})
    after = Synthesis.objects.get(pk=synthesis.pk).revision
    if role == "ars":
        assert response.status_code == 302
        assert after == synthesis.revision + 1, _messages(response)
    else:
        assert response.status_code == REGIONAL[role]
        assert after == synthesis.revision


def test_the_lifecycle_through_the_pages(client, world):
    synthesis = drafted(world)
    client.force_login(world.ars)
    change = reverse("synthesis_backoffice:change_state", args=[synthesis.pk])
    response = client.post(change, {"target": "in_validation", "revision": synthesis.revision,
                                    "confirm": "1"})
    assert response["Location"] == reverse("synthesis_backoffice:validation",
                                           args=[synthesis.pk])
    page = client.get(response["Location"]).content.decode()
    assert "0</strong> décision enregistrée sur 2" in page
    for group in synthesis.groups.all():
        response = client.post(
            reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
            {f"g{group.pk}-outcome": "adopted", f"g{group.pk}-votes_for": "25",
             f"g{group.pk}-votes_against": "2", f"g{group.pk}-abstentions": "0"})
        assert response.status_code == 302
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    assert "Clore la validation" in page.content.decode()
    synthesis.refresh_from_db()
    for target in ("validated", "transmitted"):
        client.post(change, {"target": target, "revision": synthesis.revision, "confirm": "1"})
        synthesis.refresh_from_db()
        assert synthesis.state == target
    page = client.get(reverse("synthesis_backoffice:workspace", args=[synthesis.pk]))
    assert "elle est figée" in page.content.decode()
    response = client.post(reverse("synthesis_backoffice:new_edition", args=[synthesis.pk]))
    copy = Synthesis.objects.get(previous=synthesis)
    assert response["Location"] == reverse("synthesis_backoffice:workspace", args=[copy.pk])


@pytest.mark.parametrize("role", ROLES)
def test_lifecycle_actions_by_role(client, world, role):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    _login(client, world, role)
    response = client.post(
        reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
        {f"g{group.pk}-outcome": "rejected", f"g{group.pk}-votes_for": "0",
         f"g{group.pk}-votes_against": "9", f"g{group.pk}-abstentions": "0"})
    response_state = client.post(
        reverse("synthesis_backoffice:change_state", args=[synthesis.pk]),
        {"target": "draft", "revision": synthesis.revision})
    if role == "ars":
        assert response.status_code == 302 and Decision.objects.filter(group=group).exists()
        assert response_state.status_code == 302  # refused after a decision, with a message
        assert "ne peut plus revenir" in " ".join(_messages(response_state))
    else:
        assert response.status_code == REGIONAL[role]
        assert response_state.status_code == REGIONAL[role]
        assert not Decision.objects.exists()
        synthesis.refresh_from_db()
        assert synthesis.state == "in_validation"


@pytest.mark.parametrize("role", ROLES)
def test_publication_and_new_edition_by_role(client, world, role):
    synthesis = validated(world)
    _login(client, world, role)
    client.post(reverse("synthesis_backoffice:publication", args=[synthesis.pk]),
                {"public": "1"})
    synthesis.refresh_from_db()
    assert synthesis.is_public == (role == "ars")
    services.transition(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                        target="transmitted")
    response = client.post(reverse("synthesis_backoffice:new_edition", args=[synthesis.pk]))
    assert Synthesis.objects.filter(previous=synthesis).exists() == (role == "ars")
    if role != "ars":
        assert response.status_code == REGIONAL[role]


def test_a_stale_group_form_keeps_what_was_typed(client, world):
    synthesis = drafted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    read_at = synthesis.revision
    editing.update_group(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                          group=group, title="Changé par un collègue", kind="proposal",
                          text="Texte du collègue")
    response = client.post(
        reverse("synthesis_backoffice:group", args=[synthesis.pk, group.pk]),
        {"title": "Mon intitulé", "kind": "proposal", "text": "Mon texte soigneusement écrit",
         "revision": read_at})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Quelqu’un d’autre a modifié cette synthèse entre-temps" in page
    assert "Mon texte soigneusement écrit" in page
    group.refresh_from_db()
    assert group.text == "Texte du collègue"


def test_edits_of_submitted_and_frozen_syntheses_are_refused_with_a_message(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:group", args=[synthesis.pk, group.pk])
    data = {"title": "Autre", "kind": "proposal", "text": "Autre", "revision":
            synthesis.revision}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "soumise à la CRSA" in response.content.decode()
    scope = scope_for(world.ars)
    for g in synthesis.groups.all():
        services.record_decision(scope=scope, user=world.ars, synthesis=synthesis, group=g,
                                 outcome="adopted", votes_for=3, votes_against=0,
                                 abstentions=0)
    services.transition(scope=scope, user=world.ars, synthesis=synthesis, target="validated")
    services.transition(scope=scope, user=world.ars, synthesis=synthesis,
                        target="transmitted")
    synthesis.refresh_from_db()
    data["revision"] = synthesis.revision
    response = client.post(url, data)
    assert response.status_code == 400
    assert "elle est figée et ne peut plus être modifiée" in response.content.decode()
    response = client.post(reverse("synthesis_backoffice:suggestions", args=[synthesis.pk]),
                           {"action": "detect", "revision": synthesis.revision})
    assert "figée" in " ".join(_messages(response))
    group.refresh_from_db()
    assert group.title != "Autre"


def test_decision_form_errors(client, world):
    synthesis = submitted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk])
    p = f"g{group.pk}-"
    response = client.post(url, {p + "outcome": "adopted", p + "votes_for": "12",
                                 p + "note": "Séance du matin"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Indiquez le nombre de voix (0 si aucune)." in page
    assert "Séance du matin" in page
    response = client.post(url, {p + "outcome": "amended", p + "votes_for": "12",
                                 p + "votes_against": "0", p + "abstentions": "1"})
    assert "Saisissez le texte amendé." in response.content.decode()
    assert not Decision.objects.exists()
    client.post(url, {p + "outcome": "amended", p + "votes_for": "12", p + "votes_against": "0",
                      p + "abstentions": "1", p + "amended_text": "Un texte amendé."})
    response = client.post(url, {p + "outcome": "rejected", p + "votes_for": "0",
                                 p + "votes_against": "12", p + "abstentions": "1"})
    assert response.status_code == 400
    assert "ne peut pas être enregistrée deux fois" in response.content.decode()
    assert Decision.objects.get().outcome == "amended"
    page = client.get(reverse("synthesis_backoffice:validation", args=[synthesis.pk]))
    assert "<ins>" in page.content.decode() and "<del>" in page.content.decode()


def test_decisions_before_submission_are_refused(client, world):
    synthesis = drafted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    p = f"g{group.pk}-"
    response = client.post(
        reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
        {p + "outcome": "adopted", p + "votes_for": "1", p + "votes_against": "0",
         p + "abstentions": "0"})
    assert response.status_code == 400
    assert "soumise à la CRSA" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_cts_cannot_consolidate_a_region(client, world):
    client.force_login(world.cts_ain)
    query = f"?campaign={world.campaign.pk}&region={world.ain.region.pk}"
    response = client.post(reverse("synthesis_backoffice:consolidate") + query, {
        "title": "AURA", "days": [world.day_ain.pk]})
    assert response.status_code == 200
    assert "Seule l’ARS de la région" in response.content.decode()
    assert not Synthesis.objects.exists()


def test_history_shows_who_did_what_and_a_readable_diff(client, world):
    synthesis = drafted(world)
    client.force_login(world.ars)
    group = synthesis.groups.first()
    editing.update_group(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                          group=group, title="Un médecin pour chacun", kind="proposal",
                          text="Garantir un médecin traitant à chacun.")
    synthesis.refresh_from_db()
    url = reverse("synthesis_backoffice:history", args=[synthesis.pk])
    page = client.get(url).content.decode()
    assert "renommé" in page and world.ars.last_name in page
    page = client.get(url, {"de": synthesis.revision - 1, "a": synthesis.revision})
    html = page.content.decode()
    assert "Groupes modifiés" in html and "Un médecin pour chacun" in html
    assert "<del>" in html and "<ins>" in html
    page = client.get(url, {"de": 1, "a": 9999})
    assert "Cette révision n’existe pas" in page.content.decode()


def _big_synthesis(world, groups: int) -> Synthesis:
    synthesis = SynthesisFactory(campaign=world.campaign, region=world.ain.region)
    synthesis.days.set([world.day_ain, world.day_isere])
    for i in range(groups):
        group = SynthesisGroupFactory(synthesis=synthesis, theme=world.theme)
        cite(group, ContributionFactory(event=world.day_ain if i % 2 else world.day_isere))
    SynthesisGroupFactory(synthesis=synthesis, accepted=False)
    return synthesis


@pytest.mark.parametrize("groups", [1, 15])
def test_workspace_queries_are_pinned(client, world, django_assert_num_queries, groups):
    synthesis = _big_synthesis(world, groups)
    ContributionFactory(event=world.day_ain)  # one not yet grouped
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
    # Session, user, memberships (scope), organiser flag, synthesis, groups, five for the
    # provenance, suggestions (two), days, pool (count and rows), history.
    with django_assert_num_queries(18):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("groups", [1, 15])
def test_consolidated_list_queries_are_pinned(client, world, django_assert_num_queries,
                                              groups):
    synthesis = _big_synthesis(world, groups)
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:consolidated", args=[synthesis.pk])
    with django_assert_num_queries(11):
        page = client.get(url)
    assert len(page.context["rows"]) == groups


@pytest.mark.parametrize("groups", [1, 15])
def test_validation_page_queries_are_pinned(client, world, django_assert_num_queries, groups):
    synthesis = _big_synthesis(world, groups)
    Synthesis.objects.filter(pk=synthesis.pk).update(state="in_validation")
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:validation", args=[synthesis.pk])
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


def test_group_page_lists_sources_with_links(client, world):
    synthesis = drafted(world)
    group = synthesis.groups.first()
    client.force_login(world.ars)
    page = client.get(reverse("synthesis_backoffice:group", args=[synthesis.pk, group.pk]))
    html = page.content.decode()
    for item in group.items.all():
        assert reverse("contributions:detail", args=[item.contribution_id]) in html
    assert "2 territoires" in html


@pytest.mark.parametrize("count", [1, 12])
def test_index_queries_are_pinned(client, world, django_assert_num_queries, count):
    for _ in range(count):
        SynthesisFactory(campaign=world.campaign, region=world.ain.region)
    SynthesisFactory(campaign=world.campaign, region=world.ars_elsewhere.memberships.get()
                     .agency.region)  # another region's: not listed
    client.force_login(world.ars)
    # Session, user, memberships (scope), organiser flag, syntheses.
    with django_assert_num_queries(5):
        page = client.get(reverse("synthesis_backoffice:index"))
    assert len(page.context["syntheses"]) == count


@pytest.mark.parametrize("contributions", [1, 12])
def test_group_page_queries_are_pinned(client, world, django_assert_num_queries,
                                       contributions):
    synthesis = _big_synthesis(world, 3)
    group = synthesis.groups.filter(accepted=True).first()
    cite(group, *(ContributionFactory(event=world.day_ain) for _ in range(contributions - 1)))
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:group", args=[synthesis.pk, group.pk])
    # Session, user, scope, synthesis, group, contributions, five for the provenance, other
    # groups, decision, organiser flag, themes.
    with django_assert_num_queries(15):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("edits", [1, 10])
def test_history_queries_are_pinned(client, world, django_assert_num_queries, edits):
    synthesis = drafted(world)
    group = synthesis.groups.first()
    for i in range(edits):
        editing.update_group(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis,
                              group=group, title=f"Titre {i}", kind="proposal", text=f"T{i}")
    synthesis.refresh_from_db()
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:history", args=[synthesis.pk])
    # Session, user, scope, synthesis, revisions, the two compared, organiser flag (nothing
    # moved: no contribution read).
    with django_assert_num_queries(7):
        client.get(url, {"de": 1, "a": synthesis.revision})


def test_a_group_of_another_synthesis_is_not_found(client, world):
    mine = drafted(world)
    other = SynthesisGroupFactory(synthesis=SynthesisFactory(campaign=world.campaign,
                                                             region=world.ain.region))
    client.force_login(world.ars)
    assert client.get(reverse("synthesis_backoffice:group",
                              args=[mine.pk, other.pk])).status_code == 404
    response = client.post(reverse("synthesis_backoffice:suggestions", args=[mine.pk]),
                           {"action": "accept", "group": other.pk, "revision": mine.revision})
    assert "n’existe plus" in " ".join(_messages(response))
    response = client.post(reverse("synthesis_backoffice:suggestions", args=[mine.pk]),
                           {"action": "accept", "group": "abc", "revision": "x"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.accepted  # the factory's default, untouched


def test_a_cts_writes_the_synthesis_of_its_day(client, world):
    client.force_login(world.cts_ain)
    url = reverse("synthesis_backoffice:create")
    response = client.post(url, {"title": "", "campaign": world.campaign.pk, "level": "event",
                                 "event": world.day_ain.pk})
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    response = client.post(url, {"title": "Journée de l’Ain", "campaign": world.campaign.pk,
                                 "level": "event"})
    assert "Choisissez la journée" in response.content.decode()
    response = client.post(url, {"title": "Journée de l’Ain", "campaign": world.campaign.pk,
                                 "level": "event", "event": world.day_ain.pk})
    synthesis = Synthesis.objects.get()
    assert response["Location"] == reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
    assert (synthesis.health_territory, synthesis.region) == (world.ain, world.ain.region)
    page = client.get(response["Location"]).content.decode()
    assert "Contributions à classer (3)" in page
    client.post(reverse("synthesis_backoffice:new_group", args=[synthesis.pk]), {
        "title": "Accès aux soins", "revision": synthesis.revision,
        "selected": [c.pk for c in world.contributions[:2]]})
    assert list(synthesis.groups.values_list("title", flat=True)) == ["Accès aux soins"]
    # The Isère's day is not the Ain's CTS's.
    response = client.post(url, {"title": "Isère", "campaign": world.campaign.pk,
                                 "level": "event", "event": world.day_isere.pk})
    assert response.status_code == 200 and Synthesis.objects.count() == 1


def test_a_stale_new_group_keeps_its_title_and_ticks(client, world):
    synthesis = regional(world)
    client.force_login(world.ars)
    read_at = synthesis.revision
    editing.accept_all(scope=scope_for(world.ars), user=world.ars, synthesis=synthesis)
    loose = world.contributions[2].pk
    response = client.post(reverse("synthesis_backoffice:new_group", args=[synthesis.pk]),
                           {"title": "Transports solidaires", "selected": [loose],
                            "revision": read_at})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Quelqu’un d’autre a modifié cette synthèse entre-temps" in page
    assert 'value="Transports solidaires"' in page
    assert f'id="classer-{loose}" name="selected" value="{loose}" checked' in page
    assert synthesis.groups.count() == 2
