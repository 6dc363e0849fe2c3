import pytest
from django.urls import reverse

from concertation.analysis_runs import services
from concertation.analysis_runs.models import AnalysisRun
from concertation.contributions import services as contributions
from concertation.events.models import EventState
from concertation.registrations.services import register
from tests.factories import EventFactory, UserFactory, WorkshopFactory, applicant, organiser_of

pytestmark = pytest.mark.django_db

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


def test_same_seed_same_result(day):
    user = UserFactory()
    first = services.start(user=user, campaign=day.campaign, event=day, seed=3)
    second = services.start(user=user, campaign=day.campaign, event=day, seed=3)
    services.execute(first.pk)
    services.execute(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result["groups"] == second.result["groups"]


def test_a_cancelled_run_stops_and_an_empty_selection_is_refused(day):
    run = services.start(user=None, campaign=day.campaign, event=day)
    assert services.cancel(run)
    services.execute(run.pk)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.CANCELLED and run.result is None
    assert not services.cancel(run)
    empty = EventFactory(state=EventState.HELD)
    with pytest.raises(services.AnalysisError, match="moins de deux"):
        services.start(user=None, campaign=empty.campaign, event=empty)


def test_progress_fragment_and_permissions(client, day):
    run = services.start(user=None, campaign=day.campaign, event=day)
    client.force_login(UserFactory())
    assert client.get(reverse("analysis_runs:detail", args=[run.pk])).status_code == 403
    client.force_login(organiser_of(day.health_territory))
    fragment = client.get(reverse("analysis_runs:detail", args=[run.pk]),
                          headers={"HX-Request": "true"}).content.decode()
    assert "<progress" in fragment and "<html" not in fragment
    response = client.post(reverse("analysis_runs:index"), {"campaign": day.campaign.pk,
                                                            "groups": "1", "seed": "0"})
    assert "Assurez-vous que cette valeur est supérieure ou égale à 2" in response.content.decode()
