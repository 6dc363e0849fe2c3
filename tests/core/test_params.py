"""Bad numbers in a request never give a 500: every integer read from GET or POST by hand goes
through `core.params`, and the forms' integer fields are bounded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.contributions import services as contributions
from concertation.contributions.models import Comment, Merge, Report
from concertation.core.params import MAX_BIGINT, int_list, int_param
from concertation.projects.models import Milestone
from concertation.synthesis.models import Decision, SynthesisRevision
from concertation.territories.models import Department
from tests.factories import (
    CampaignFactory,
    EventFactory,
    ProjectFactory,
    ThemeFactory,
    UserFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)
from tests.synthesis.workspace_world import build_world, regional, submitted

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), (" 12 ", 12), ("0", 0), (str(MAX_BIGINT), MAX_BIGINT), (None, None), ("", None),
    ("abc", None), ("²", None), ("٣", None), ("1e3", None), ("inf", None), ("-1", None),
    ("+1", None), ("1.0", None), (HUGE, None), (str(MAX_BIGINT + 1), None), ("1" * 5000, None),
])
def test_int_param(value, expected):
    assert int_param(value) == expected


def test_int_param_bounds_and_sign():
    assert int_param("-3", min=-10) == -3
    assert int_param("-3") is None
    assert int_param("11", 5, max=10) == 5
    assert int_list(["1", "2"]) == [1, 2]
    assert int_list(["1", "²"]) is None
    assert int_list(["0"]) is None


def _online(client):
    campaign = CampaignFactory(online_open=True)
    contribution = contributions.submit_online(
        campaign=campaign, user=UserFactory(), title="", text="Des transports vers les soins",
        theme=ThemeFactory(campaign=campaign), department=Department.objects.get(code="28"),
        college="usager")
    client.force_login(UserFactory())
    return contribution


def comment_parent(client, bad):
    contribution = _online(client)
    response = client.post(reverse("contributions:comment", args=[contribution.pk]),
                           {"text": "Bonne idée", "parent": bad})
    # An unknown parent: the comment is refused rather than posted at the top level.
    assert not Comment.objects.exists()
    return response


def report_comment(client, bad):
    contribution = _online(client)
    response = client.post(reverse("contributions:report", args=[contribution.pk]),
                           {"reason": "injurieux", "comment": bad})
    assert not Report.objects.exists()
    return response


def _day(client):
    event = EventFactory(open=True)
    workshop = WorkshopFactory(event=event)
    found = [contributions.capture(workshop=workshop, user=None, client_id=f"c{i}",
                                   text=f"Proposition {i}").contribution for i in range(2)]
    client.force_login(organiser_of(event.health_territory))
    return event, found


def day_merge_selected(client, bad):
    event, found = _day(client)
    response = client.post(reverse("contributions_backoffice:merge", args=[event.pk]),
                           {"selected": [str(found[0].pk), bad], "target": str(found[0].pk)})
    assert not Merge.objects.exists()
    return response


def day_merge_target(client, bad):
    event, found = _day(client)
    response = client.post(reverse("contributions_backoffice:merge", args=[event.pk]),
                           {"selected": [str(c.pk) for c in found], "target": bad})
    assert not Merge.objects.exists()
    return response


def campaign_merge_selected(client, bad):
    event, found = _day(client)
    response = client.post(reverse("contributions_backoffice:campaign_merge",
                                   args=[event.campaign.slug]),
                           {"selected": [str(found[0].pk), bad], "target": bad})
    assert not Merge.objects.exists()
    return response


def campaign_merge_day_filter(client, bad):
    event, _found = _day(client)
    return client.get(reverse("contributions_backoffice:campaign_merge",
                              args=[event.campaign.slug]), {"journee": bad})


def _regional(client):
    world = build_world()
    client.force_login(world.ars)
    return world, regional(world)


def synthesis_suggestion_group(client, bad):
    _world, synthesis = _regional(client)
    return client.post(reverse("synthesis_backoffice:suggestions", args=[synthesis.pk]),
                       {"action": "accept", "group": bad, "revision": str(synthesis.revision)})


def synthesis_suggestion_revision(client, bad):
    _world, synthesis = _regional(client)
    group = synthesis.groups.first()
    return client.post(reverse("synthesis_backoffice:suggestions", args=[synthesis.pk]),
                       {"action": "accept", "group": str(group.pk), "revision": bad})


def synthesis_selection(client, bad):
    _world, synthesis = _regional(client)
    return client.post(reverse("synthesis_backoffice:new_group", args=[synthesis.pk]),
                       {"selected": [bad], "title": "Groupe", "revision": str(
                           synthesis.revision), "target": bad})


def synthesis_history(client, bad):
    _world, synthesis = _regional(client)
    response = client.get(reverse("synthesis_backoffice:history", args=[synthesis.pk]),
                          {"de": bad, "a": "1"})
    assert SynthesisRevision.objects.exists()
    return response


def synthesis_decision(client, bad):
    world = build_world()
    synthesis = submitted(world)
    client.force_login(world.ars)
    group = synthesis.groups.first()
    p = f"g{group.pk}-"
    response = client.post(reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
                           {p + "outcome": "adopted", p + "votes_for": bad,
                            p + "votes_against": "0", p + "abstentions": "0"})
    assert not Decision.objects.exists()
    return response


def _project(client):
    project = ProjectFactory(health_territory=make_territory("28"), in_progress=True)
    client.force_login(organiser_of(project.health_territory))
    return project


def milestone_form_weight(client, bad):
    project = _project(client)
    response = client.post(reverse("projects_backoffice:add_milestone", args=[project.pk]),
                           {"jalon-title": "Lancement", "jalon-status": "planned",
                            "jalon-weight": bad, "jalon-planned_date": "2025-01-01"})
    assert not Milestone.objects.exists()
    return response


def milestone_import_weight(client, bad):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = _project(client)
    sheet = ("projet;cle_jalon;jalon;statut_jalon;poids\n"
             f"{project.slug};lancement;Lancement;Prévu;{bad}\n").encode()
    response = client.post(reverse("projects_backoffice:import"),
                           {"sheet": SimpleUploadedFile("jalons.csv", sheet)})
    assert not Milestone.objects.exists()
    assert "poids" in response.content.decode()
    return response


def public_filters(client, bad):
    EventFactory(open=True)
    for name, params in (("events:agenda", {"region": bad, "theme": bad, "department": bad,
                                            "start": bad, "page": bad}),
                         ("contributions:list", {"territory": bad, "event": bad, "theme": bad,
                                                 "campaign": bad, "page": bad}),
                         ("projects:list", {"region": bad, "territoire": bad, "theme": bad,
                                            "page": bad})):
        response = client.get(reverse(name), params)
        assert response.status_code == 200, name
    return client.get(reverse("contributions:export", args=["csv"]), {"event": bad})


def project_creation_prefill(client, bad):
    _project(client)
    return client.get(reverse("projects_backoffice:create"),
                      {"contribution": bad, "proposition": bad})


CASES = [
    (public_filters, "abc"), (public_filters, "²"), (public_filters, HUGE),
    (project_creation_prefill, "abc"), (project_creation_prefill, "²"),
    (project_creation_prefill, HUGE),
    (comment_parent, "abc"), (comment_parent, "²"), (comment_parent, HUGE),
    (report_comment, "abc"), (report_comment, "²"), (report_comment, HUGE),
    (day_merge_selected, "abc"), (day_merge_selected, "²"), (day_merge_selected, HUGE),
    (day_merge_target, "²"),
    (campaign_merge_selected, "abc"), (campaign_merge_selected, "²"),
    (campaign_merge_selected, HUGE),
    (campaign_merge_day_filter, "²"), (campaign_merge_day_filter, HUGE),
    (synthesis_suggestion_group, "²"), (synthesis_suggestion_group, HUGE),
    (synthesis_suggestion_revision, "²"), (synthesis_suggestion_revision, HUGE),
    (synthesis_selection, "²"), (synthesis_selection, HUGE),
    (synthesis_history, HUGE), (synthesis_history, "²"),
    (synthesis_decision, HUGE), (synthesis_decision, "²"),
    (milestone_form_weight, "inf"), (milestone_form_weight, "1e400"),
    (milestone_form_weight, HUGE),
    (milestone_import_weight, "inf"), (milestone_import_weight, "1e400"),
    (milestone_import_weight, "nan"), (milestone_import_weight, HUGE),
]


@pytest.mark.parametrize(("case", "bad"), CASES,
                         ids=[f"{case.__name__}-{bad[:6]!a}" for case, bad in CASES])
def test_a_bad_number_is_never_a_500(client, case, bad):
    response = case(client, bad)
    assert response.status_code < 500
    if response.status_code == 302:
        response = client.get(response["Location"])
        assert response.status_code == 200
