import re

import pytest
from django.urls import reverse

from concertation.accounts.scope import EVERYWHERE as ALL_PLACES
from concertation.accounts.scope import Scope
from concertation.analysis_runs import services
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions import services as contributions
from concertation.events.models import EventState
from concertation.registrations.services import register
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db

# The services' own behaviour, for a scope that reaches every day (a superuser's).
EVERYWHERE = Scope(manage=ALL_PLACES)

TEXTS = [
    "Recruter des médecins généralistes dans les zones rurales",
    "Attirer des médecins généralistes dans les campagnes",
    "Installer plus de médecins généralistes en milieu rural",
    "Former les soignants à la gestion des violences",
    "Former les personnels soignants face aux violences",
    "Prévenir les violences contre les soignants aux urgences",
    "Développer le sport sur ordonnance",
    "Développer la prescription du sport sur ordonnance",
]


@pytest.fixture
def day():
    event = EventFactory(open=True)
    workshop = WorkshopFactory(event=event)
    proposals = [contributions.capture(workshop=workshop, user=None, text=t,
                                       client_id=f"c{i}").contribution
                 for i, t in enumerate(TEXTS)]
    for i in range(12):
        voter = register(event=event, applicant=applicant(email=f"v{i}@example.org"),
                         workshops=[]).registration
        for j, proposal in enumerate(proposals):
            contributions.vote(contribution=proposal, registration=voter,
                               value=1 if (i + j) % 2 else -1)
    return event


def test_an_analysis_runs_in_the_background_and_stores_groups_and_opinions(
    client, day, django_capture_on_commit_callbacks
):
    organiser = organiser_of(day.health_territory)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis_runs:index"),
                               {"campaign": day.campaign.pk, "event": day.pk, "seed": "0"})
    run = AnalysisRun.objects.get()
    assert response["Location"] == reverse("analysis_runs:detail", args=[run.pk])
    assert run.status == AnalysisRun.Status.DONE and run.progress == 100
    assert run.engine_version == services.ENGINE_VERSION
    members = sorted(pk for g in run.result["groups"] for pk in g["members"])
    assert members == sorted(run.input_ids) and len(members) == len(TEXTS)
    assert len(run.result["opinions"]["participants"]) == 12
    page = client.get(response["Location"]).content.decode()
    assert "Groupes de contributions proches" in page and "<svg" in page
    # Every participant is a dot with coordinates a browser draws: a French decimal comma
    # ("19,7") is no SVG number, and put every dot at 0,0.
    coordinates = re.findall(r'<circle cx="([^"]*)" cy="([^"]*)"', page)
    assert len(coordinates) == 12
    assert all(re.fullmatch(r"\d+(\.\d+)?", value) for pair in coordinates for value in pair)
    assert len(set(coordinates)) > 1


def test_same_seed_same_result(day):
    user = UserFactory()
    first = services.start(scope=EVERYWHERE, user=user, campaign=day.campaign, event=day, seed=3)
    second = services.start(scope=EVERYWHERE, user=user, campaign=day.campaign, event=day, seed=3)
    services.execute(first.pk)
    services.execute(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result["groups"] == second.result["groups"]


def test_a_cancelled_run_stops_and_an_empty_selection_is_refused(day):
    run = services.start(scope=EVERYWHERE, user=None, campaign=day.campaign, event=day)
    assert services.cancel(scope=EVERYWHERE, run=run)
    services.execute(run.pk)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.CANCELLED and run.result is None
    assert not services.cancel(scope=EVERYWHERE, run=run)
    empty = EventFactory(state=EventState.HELD)
    with pytest.raises(services.AnalysisError, match="moins de deux"):
        services.start(scope=EVERYWHERE, user=None, campaign=empty.campaign, event=empty)


def test_progress_fragment_and_permissions(client, day):
    run = services.start(scope=EVERYWHERE, user=None, campaign=day.campaign, event=day)
    client.force_login(UserFactory())
    assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 403
    client.force_login(organiser_of(day.health_territory))
    fragment = client.get(reverse("analysis_runs:detail", args=[run.pk]),
                          headers={"HX-Request": "true"}).content.decode()
    assert "<progress" in fragment and "<html" not in fragment
    response = client.post(reverse("analysis_runs:index"), {"campaign": day.campaign.pk,
                                                            "groups": "1", "seed": "0"})
    assert "Assurez-vous que cette valeur est supérieure ou égale à 2" in response.content.decode()


# --- Territory: an organiser reaches only the analyses of their own area -----------------------

@pytest.fixture
def elsewhere():
    """A CTS organiser of another region's territory (Ain, Auvergne-Rhône-Alpes)."""
    return organiser_of(make_territory("01"))


def test_another_territorys_organiser_cannot_read_nor_cancel_a_run(client, day, elsewhere):
    run = services.start(scope=EVERYWHERE, user=None, campaign=day.campaign, event=day)
    client.force_login(elsewhere)
    assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 404
    assert client.post(reverse("analysis_runs:cancel", args=[run.pk])).status_code == 404
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.QUEUED
    assert f'href="{reverse("analysis_runs:detail", args=[run.pk])}"' not in client.get(
        reverse("analysis_runs:index")).content.decode()
    # The organisers of the day's territory and region still reach it.
    for user in (organiser_of(day.health_territory), agency_organiser("24")):
        client.force_login(user)
        assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 200


def test_the_launch_form_offers_and_accepts_only_the_organisers_places(client, day, elsewhere):
    client.force_login(elsewhere)
    page = client.get(reverse("analysis_runs:index")).content.decode()
    assert day.title not in page and "Centre-Val de Loire" not in page
    for selection in ({"event": day.pk}, {"health_territory": day.health_territory.pk},
                      {"region": day.department.region_id}, {}):
        response = client.post(reverse("analysis_runs:index"),
                               {"campaign": day.campaign.pk, "seed": "0", **selection})
        assert response.status_code == 200, selection
        assert not AnalysisRun.objects.exists()
    # An analysis over every region is not a CTS's to launch either.
    assert "réservée à l’administration nationale" in response.content.decode()


def test_a_cts_does_not_read_a_run_over_its_whole_region(client, day):
    run = services.start(scope=EVERYWHERE, user=None, campaign=day.campaign,
                         region=day.department.region)
    client.force_login(organiser_of(day.health_territory))
    assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 404
    client.force_login(agency_organiser("24"))
    assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 200


def test_a_new_synthesis_starts_only_from_a_run_of_the_organisers_area(client, day, elsewhere):
    run = services.start(scope=EVERYWHERE, user=None, campaign=day.campaign, event=day)
    services.execute(run.pk)
    label = f"Analyse {run.pk}"
    client.force_login(elsewhere)
    assert label not in client.get(reverse("synthesis_backoffice:create")).content.decode()
    response = client.post(reverse("synthesis_backoffice:create"), {
        "campaign": day.campaign.pk, "level": "territory", "title": "Synthèse de l’Ain",
        "health_territory": elsewhere.memberships.get().council.territory_id,
        "source_run": run.pk})
    assert response.status_code == 200
    client.force_login(organiser_of(day.health_territory))
    assert label in client.get(reverse("synthesis_backoffice:create")).content.decode()


def test_proposals_that_bring_people_together_are_ranked_and_marked(
    client, day, django_capture_on_commit_callbacks
):
    """Two colleges of six voters: everyone agrees with the first two proposals, and the
    voters split in two camps (across both colleges) on the others. The two proposals rank
    first by bridging score and are the ones « soutenue par tous les collèges »."""
    event = EventFactory(open=True, campaign=day.campaign,
                         department=day.department, health_territory=day.health_territory)
    workshop = WorkshopFactory(event=event)
    proposals = [contributions.capture(workshop=workshop, user=None, text=t,
                                       client_id=f"b{i}").contribution
                 for i, t in enumerate(TEXTS)]
    for i in range(12):
        voter = register(event=event, applicant=applicant(email=f"b{i}@example.org"),
                         workshops=[]).registration
        for j, proposal in enumerate(proposals):
            value = 1 if j < 2 or (i + j) % 2 else -1
            contributions.vote(contribution=proposal, registration=voter, value=value,
                               college="usagers" if i < 6 else "soignants")
    client.force_login(organiser_of(event.health_territory))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis_runs:index"),
                               {"campaign": event.campaign.pk, "event": event.pk, "seed": "0"})
    run = AnalysisRun.objects.get(event=event)
    opinions = run.result["opinions"]
    first_two = {proposals[0].pk, proposals[1].pk}
    assert set(opinions["all_colleges"]) == first_two
    assert {b["comment"] for b in opinions["bridging"][:2]} == first_two
    assert [b["all_colleges"] for b in opinions["bridging"]] == [True, True, False, False, False]
    page = client.get(response["Location"]).content.decode()
    assert "Propositions qui rassemblent" in page
    assert page.count("soutenue par tous les collèges</span>") == 2
    assert TEXTS[0] in page and TEXTS[1] in page


def test_the_other_group_says_what_isolated_means_with_its_threshold(
    client, day, django_capture_on_commit_callbacks
):
    organiser = organiser_of(day.health_territory)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis_runs:index"),
                               {"campaign": day.campaign.pk, "event": day.pk, "seed": "0"})
    run = AnalysisRun.objects.get()
    # The stored result of a run whose last contribution was isolated.
    result = run.result
    last = run.input_ids[-1]
    for group in result["groups"]:
        group["members"] = [pk for pk in group["members"] if pk != last]
        group["representatives"] = [pk for pk in group["representatives"] if pk != last]
    result["groups"].append({"id": 0, "label": "Autres contributions", "keywords": [],
                             "size": 1, "other": True, "members": [last],
                             "representatives": [last]})
    run.result = result
    run.save(update_fields=["result"])
    page = client.get(response["Location"]).content.decode()
    assert result["parameters"]["isolation_cosine"] == 0.2
    assert result["parameters"]["min_group_size"] == 2
    assert ("sans aucune autre contribution qui leur ressemble à 0,20 ou plus "
            "(similarité cosinus, de 0 à 1), ou dans un groupe de moins de 2 contributions, "
            "ou vides.") in page
