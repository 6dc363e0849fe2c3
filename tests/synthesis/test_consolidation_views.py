"""The consolidation pages with the detection in a background task: the request creates the
synthesis and returns, the workspace shows the detection's state (polled by htmx, with a plain
link without JavaScript), a double submit makes one synthesis, and the status fragment by state
and by role, with its queries pinned."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from concertation.synthesis.models import DuplicateDetection, Synthesis
from tests.factories import ContributionFactory, SynthesisFactory, SynthesisGroupFactory, cite
from tests.synthesis.workspace_world import regional, world

pytestmark = pytest.mark.django_db
__all__ = ["world"]

ROLES = ["ars", "cts_ain", "ars_elsewhere", "cts_elsewhere", "outsider", "anonymous"]
# A regional synthesis: its ARS only; others' work is a 404, a user without membership 403,
# anonymous goes to sign in.
REGIONAL = {"ars": 200, "cts_ain": 404, "ars_elsewhere": 404, "cts_elsewhere": 404,
            "outsider": 403, "anonymous": 302}
HTMX = {"HX-Request": "true"}
Status = DuplicateDetection.Status


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(getattr(world, role))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _form(world) -> tuple[str, dict]:
    url = reverse("synthesis_backoffice:consolidate")
    query = f"?campaign={world.campaign.pk}&region={world.ain.region.pk}"
    return url + query, {"title": "AURA", "days": [world.day_ain.pk, world.day_isere.pk],
                         "includes_online": "on", "validation_event": world.restitution.pk}


def _key(page: str) -> str:
    return re.search(r'name="request_key" value="([\w-]+)"', page).group(1)


def test_the_consolidation_returns_before_the_detection_and_the_workspace_follows_it(
        client, world, django_capture_on_commit_callbacks):
    client.force_login(world.ars)
    url, data = _form(world)
    page = client.get(url).content.decode()
    assert "Journée de l’Ain" in page and "Restitution régionale avec la CRSA" in page
    data["request_key"] = _key(page)
    response = client.post(url, {"title": "", "days": []})
    assert response.status_code == 200 and not Synthesis.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, data)
    synthesis = Synthesis.objects.get()
    workspace = reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
    assert response["Location"] == workspace
    assert "en tâche de fond" in " ".join(_messages(response))
    # The request wrote the synthesis and its days, and left the detection to the task.
    assert synthesis.days.count() == 2 and not synthesis.groups.exists()
    assert synthesis.detection.status == Status.QUEUED and len(callbacks) == 1
    page = client.get(workspace).content.decode()
    assert "Détection des doublons en cours…" in page
    status = reverse("synthesis_backoffice:detection", args=[synthesis.pk])
    assert f'hx-get="{status}" hx-trigger="every 2s"' in page
    assert f'href="{workspace}#suggestions">actualisez la page</a>' in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>")[0]
    callbacks[0]()  # the commit: the task runs
    page = client.get(workspace).content.decode()
    assert "Regroupements suggérés (2)" in page and "Ain, Isère" in page
    assert "Détection des doublons en cours" not in page and "hx-trigger" not in page


def test_a_double_submit_makes_one_synthesis_and_one_detection(
        client, world, django_capture_on_commit_callbacks):
    client.force_login(world.ars)
    url, data = _form(world)
    data["request_key"] = _key(client.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.post(url, data)
        second = client.post(url, data)
    assert first["Location"] == second["Location"]
    synthesis = Synthesis.objects.get()
    assert len(callbacks) == 1 and synthesis.detection.attempt == 1
    assert synthesis.groups.count() == 2
    # A malformed key is no key: the form still works (and cannot be replayed safely).
    data["request_key"] = "<pas une clé>"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert Synthesis.objects.count() == 2 and not Synthesis.objects.exclude(
        pk=synthesis.pk).get().request_key


def test_detect_again_twice_enqueues_once(client, world, django_capture_on_commit_callbacks):
    synthesis = regional(world)
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:suggestions", args=[synthesis.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"action": "detect", "revision": synthesis.revision})
        client.post(url, {"action": "detect", "revision": synthesis.revision - 1})
    assert response["Location"].endswith("#suggestions")
    assert "lancée en tâche de fond" in " ".join(_messages(response))
    assert len(callbacks) == 1
    detection = DuplicateDetection.objects.get(synthesis=synthesis)
    assert (detection.attempt, detection.status) == (2, Status.QUEUED)


def _with_detection(world, status: str, **fields) -> Synthesis:
    synthesis = regional(world)
    DuplicateDetection.objects.filter(synthesis=synthesis).update(status=status, **fields)
    return synthesis


def _fragment(client, synthesis) -> str:
    response = client.get(reverse("synthesis_backoffice:detection", args=[synthesis.pk]),
                          headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_the_status_fragment_in_each_state(client, world):
    client.force_login(world.ars)
    synthesis = _with_detection(world, Status.QUEUED, progress=0)
    html = _fragment(client, synthesis)
    assert "Détection des doublons en cours…" in html and "En attente de démarrage" in html
    assert 'hx-trigger="every 2s"' in html and "Relancer" not in html
    # The suggestions already there stay shown while a new detection runs.
    assert "Regroupements suggérés (2)" in html

    DuplicateDetection.objects.filter(synthesis=synthesis).update(
        status=Status.RUNNING, progress=60, step="Comparaison des propositions deux à deux")
    html = _fragment(client, synthesis)
    assert "Comparaison des propositions deux à deux — 60 %" in html
    assert 'value="60"' in html and 'hx-trigger="every 2s"' in html

    # Queued an hour ago and never run: its worker died; a relaunch is offered.
    DuplicateDetection.objects.filter(synthesis=synthesis).update(
        requested_at=timezone.now() - dt.timedelta(hours=1))
    html = _fragment(client, synthesis)
    assert "semble bloquée" in html and "Relancer la détection" in html

    DuplicateDetection.objects.filter(synthesis=synthesis).update(
        status=Status.DONE, progress=100, found=2, finished_at=timezone.now())
    html = _fragment(client, synthesis)
    assert "Détection terminée : 2 regroupements suggérés ci-dessous" in html
    assert "hx-trigger" not in html and "Regroupements suggérés (2)" in html
    assert "Retenir toutes les suggestions" in html

    DuplicateDetection.objects.filter(synthesis=synthesis).update(
        status=Status.FAILED, error="Erreur inattendue du moteur d’analyse (MemoryError : ).")
    html = _fragment(client, synthesis)
    assert "La détection des doublons a échoué" in html and "MemoryError" in html
    assert 'name="action" value="detect"' in html and "hx-trigger" not in html

    # Without htmx: the workspace, which shows the same.
    response = client.get(reverse("synthesis_backoffice:detection", args=[synthesis.pk]))
    assert response["Location"] == reverse("synthesis_backoffice:workspace",
                                           args=[synthesis.pk]) + "#suggestions"
    page = client.get(response["Location"]).content.decode()
    assert "La détection des doublons a échoué" in page


def test_nothing_found_is_said_on_the_workspace(client, world):
    synthesis = _with_detection(world, Status.DONE, found=0, finished_at=timezone.now())
    synthesis.groups.all().delete()
    client.force_login(world.ars)
    page = client.get(reverse("synthesis_backoffice:workspace", args=[synthesis.pk]))
    assert "aucun nouveau doublon parmi les contributions non classées" in \
        page.content.decode()


def test_no_relaunch_button_once_submitted(client, world):
    synthesis = _with_detection(world, Status.FAILED, error="Erreur.")
    Synthesis.objects.filter(pk=synthesis.pk).update(state="in_validation")
    client.force_login(world.ars)
    html = _fragment(client, synthesis)
    assert "a échoué" in html and "Relancer" not in html


@pytest.mark.parametrize("role", ROLES)
def test_the_status_fragment_by_role(client, world, role):
    synthesis = _with_detection(world, Status.RUNNING)
    _login(client, world, role)
    response = client.get(reverse("synthesis_backoffice:detection", args=[synthesis.pk]),
                          headers=HTMX)
    assert response.status_code == REGIONAL[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_detect_again_by_role(client, world, role, django_capture_on_commit_callbacks):
    synthesis = regional(world)
    _login(client, world, role)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("synthesis_backoffice:suggestions", args=[synthesis.pk]),
                               {"action": "detect"})
    detection = DuplicateDetection.objects.get(synthesis=synthesis)
    if role == "ars":
        assert response.status_code == 302 and len(callbacks) == 1 and detection.attempt == 2
    else:
        assert response.status_code == REGIONAL[role]
        assert callbacks == [] and detection.attempt == 1


@pytest.mark.parametrize("role", ROLES)
def test_consolidating_by_role(client, world, role, django_capture_on_commit_callbacks):
    _login(client, world, role)
    url, data = _form(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    if role == "ars":
        assert response.status_code == 302 and Synthesis.objects.count() == 1
        return
    assert not Synthesis.objects.exists() and not DuplicateDetection.objects.exists()
    if role in ("outsider", "anonymous"):
        assert response.status_code == {"outsider": 403, "anonymous": 302}[role]
    else:
        # Another region's ARS and the CTSs do not see these days: the form refuses them.
        assert response.status_code == 200


@pytest.mark.parametrize("suggested", [1, 12])
@pytest.mark.parametrize("status", [Status.RUNNING, Status.DONE])
def test_status_fragment_queries_are_pinned(client, world, django_assert_num_queries,
                                            suggested, status):
    synthesis = SynthesisFactory(campaign=world.campaign, region=world.ain.region)
    synthesis.days.set([world.day_ain, world.day_isere])
    for _ in range(suggested):
        cite(SynthesisGroupFactory(synthesis=synthesis, accepted=False),
             ContributionFactory(event=world.day_ain), ContributionFactory(event=world.day_isere))
    DuplicateDetection.objects.create(synthesis=synthesis, status=status, attempt=1,
                                      found=suggested)
    client.force_login(world.ars)
    url = reverse("synthesis_backoffice:detection", args=[synthesis.pk])
    # Session, user, memberships (scope), organiser flag, synthesis with its detection,
    # suggestions (groups, then their contributions).
    with django_assert_num_queries(6):
        assert client.get(url, headers=HTMX).status_code == 200
