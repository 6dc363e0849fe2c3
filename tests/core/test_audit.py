"""The one audit trail (`core/audit.py`): each kind of writer leaves exactly one entry with its
author, channel (screen, API token, command, task) and details; the object's back-office page
shows it as « Historique » to those who manage the object, and to nobody else."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import task
from django.test import override_settings
from django.urls import reverse

from concertation.accounts.models import OrganiserMembership, Role
from concertation.accounts.scope import scope_for
from concertation.api import tokens
from concertation.core import audit
from concertation.core.models import AuditEntry
from concertation.events import services as events
from concertation.events.models import EventState
from concertation.national import services as national
from concertation.projects.models import ProjectState
from concertation.territories.models import Agency
from tests.factories import (
    EventFactory,
    ProjectFactory,
    UserFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)
from tests.national.test_national import transmit
from tests.national.test_national import world as national_world  # noqa: F401 (fixture)
from tests.synthesis.workspace_world import submitted, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _only(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [e.summary for e in entries]
    return entries[0]


@pytest.fixture
def day_world():
    territory = make_territory("28")
    day = EventFactory(health_territory=territory, state=EventState.DRAFT)
    organiser = organiser_of(territory)
    token, raw = tokens.create(scope=scope_for(organiser), user=organiser, name="Tableur")
    AuditEntry.objects.all().delete()  # what building the world wrote
    return {"day": day, "territory": territory, "organiser": organiser, "token": token,
            "raw": raw}


def test_a_day_transition_from_its_screen(client, day_world):
    client.force_login(day_world["organiser"])
    day = day_world["day"]
    client.post(reverse("backoffice:change_state", args=[day.pk]),
                {"target": EventState.PUBLISHED})
    entry = _only("events.day.transition")
    assert (entry.user, entry.channel, entry.via) == (
        day_world["organiser"], "screen", "backoffice:change_state")
    assert entry.details == {"from": "draft", "to": "published"}
    assert entry.summary == "Brouillon → Publiée" and entry.object_label == str(day)
    assert (entry.region_id, entry.territory_id) == (day.department.region_id,
                                                     day_world["territory"].pk)
    assert entry.api_token_id is None


def test_a_transition_outside_a_request_is_the_systems_or_its_commands(day_world):
    day, organiser = day_world["day"], day_world["organiser"]
    events.transition(scope=scope_for(organiser), user=organiser, event=day,
                      target=EventState.PUBLISHED)
    with audit.channel("command", "send_reminders"):
        events.transition(scope=scope_for(organiser), user=None, event=day,
                          target=EventState.CANCELLED, note="Salle indisponible")
    first, second = AuditEntry.objects.order_by("id")
    assert (first.channel, first.via, first.user) == ("system", "", organiser)
    assert (second.channel, second.via, second.user) == ("command", "send_reminders", None)
    assert second.details["reason"] == "Salle indisponible"
    assert second.summary == "Publiée → Annulée — Salle indisponible"
    assert audit.current_channel() == audit.SYSTEM


@task()
def _publish_in_a_task(event_id: int, user_id: int) -> None:
    from concertation.events.models import Event

    user = User.objects.get(pk=user_id)
    events.transition(scope=scope_for(user), user=user, event=Event.objects.get(pk=event_id),
                      target=EventState.PUBLISHED)


@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate"
                                                  ".ImmediateBackend"}})
def test_a_background_task_names_itself(day_world):
    _publish_in_a_task.enqueue(day_world["day"].pk, day_world["organiser"].pk)
    entry = _only("events.day.transition")
    assert entry.channel == "task" and entry.via.endswith("_publish_in_a_task")
    assert audit.current_channel() == audit.SYSTEM


def test_exports_from_the_screen_and_from_an_api_token(client, day_world):
    day = day_world["day"]
    day.state = EventState.REGISTRATION_OPEN
    day.save()
    client.force_login(day_world["organiser"])
    assert client.get(reverse("registrations_backoffice:export",
                              kwargs={"pk": day.pk, "fmt": "csv"})).status_code == 200
    screen = _only("registrations.export")
    assert (screen.user, screen.channel, screen.via) == (
        day_world["organiser"], "screen", "registrations_backoffice:export")
    assert screen.details == {"what": "Liste des inscriptions (CSV)", "rows": 0,
                              "file": f"inscriptions-{day.slug}.csv"}
    screen.delete()
    client.logout()
    answer = client.get(reverse("api:organiser_registrations_export", args=[day.pk])
                        + "?format=xlsx", headers={"Authorization": f"Bearer {day_world['raw']}"})
    assert answer.status_code == 200
    api = _only("registrations.export")
    assert (api.user, api.channel, api.api_token_id) == (
        day_world["organiser"], "api", day_world["token"].pk)
    assert api.via == "api:organiser_registrations_export"
    assert api.details["file"] == f"inscriptions-{day.slug}.xlsx"


def _sheet(slug: str) -> bytes:
    return ("projet;cle_jalon;jalon;date_prevue;statut_jalon;poids\n"
            f"{slug};ouverture;Ouverture;01/03/2027;Prévu;2\n").encode()


def test_imports_from_the_screen_and_from_an_api_token(client, day_world):
    project = ProjectFactory(health_territory=day_world["territory"], in_progress=True)
    AuditEntry.objects.all().delete()
    client.force_login(day_world["organiser"])
    client.post(reverse("projects_backoffice:import"),
                {"sheet": SimpleUploadedFile("jalons.csv", _sheet(project.slug))})
    screen = _only("projects.import")
    assert (screen.user, screen.channel, screen.via, screen.object_id) == (
        day_world["organiser"], "screen", "projects_backoffice:import", project.pk)
    assert screen.details["file"] == "jalons.csv"
    assert (screen.details["created"], screen.details["updated"]) == (1, 0)
    screen.delete()
    client.logout()
    upload = io.BytesIO(_sheet(project.slug))
    upload.name = "par-api.csv"
    assert client.post(reverse("api:organiser_milestones_import"), {"sheet": upload},
                       headers={"Authorization": f"Bearer {day_world['raw']}"}
                       ).status_code == 200
    api = _only("projects.import")
    assert (api.channel, api.api_token_id, api.details["file"]) == (
        "api", day_world["token"].pk, "par-api.csv")
    assert (api.details["created"], api.details["unchanged"]) == (0, 1)


def test_a_project_transition_shows_in_its_history(client, day_world):
    project = ProjectFactory(health_territory=day_world["territory"], in_progress=True)
    client.force_login(day_world["organiser"])
    client.post(reverse("projects_backoffice:change_state", args=[project.pk]),
                {"target": ProjectState.ABANDONED, "reason": "Financement retiré",
                 "confirm": "1"})
    entry = _only("projects.project.transition")
    assert entry.details == {"from": "in_progress", "to": "abandoned",
                             "reason": "Financement retiré"}
    page = client.get(reverse("projects_backoffice:manage", args=[project.pk])).content.decode()
    assert "Historique" in page and "En cours → Abandonné — Financement retiré" in page


def test_api_tokens_made_and_revoked_from_their_screen(client, day_world):
    client.force_login(day_world["organiser"])
    client.post(reverse("api_backoffice:tokens"), {"name": "Tableau de bord"})
    made = _only("api.token.created")
    assert (made.user, made.channel, made.object_label) == (
        day_world["organiser"], "screen", "Tableau de bord")
    client.post(reverse("api_backoffice:token_revoke", args=[made.object_id]), {"confirm": "1"})
    revoked = _only("api.token.revoked")
    assert (revoked.object_id, revoked.via) == (made.object_id, "api_backoffice:token_revoke")


def test_roles_given_changed_and_taken_back():
    person = UserFactory()
    agency = Agency.objects.get(region__code="24")
    membership = OrganiserMembership.objects.create(user=person, agency=agency)
    granted = _only("accounts.role.granted")
    assert (granted.object_id, granted.user, granted.region_id) == (person.pk, None,
                                                                    agency.region_id)
    membership.role = Role.MODERATOR
    membership.save()
    changed = _only("accounts.role.changed")
    assert (changed.details["role"], changed.details["previous_role"]) == ("moderator",
                                                                          "organiser")
    membership.save()  # nothing changed: no entry
    assert AuditEntry.objects.filter(action="accounts.role.changed").count() == 1
    membership.delete()
    assert _only("accounts.role.revoked").details["role"] == "moderator"


def test_a_role_given_in_the_admin_names_who_gave_it(client):
    staff = User.objects.create_superuser("chef", "chef@example.org", "x")
    person = UserFactory()
    agency = Agency.objects.get(region__code="24")
    client.force_login(staff)
    client.post(reverse("admin:accounts_organisermembership_add"),
                {"user": person.pk, "agency": agency.pk, "role": Role.ORGANISER})
    entry = _only("accounts.role.granted")
    assert (entry.user, entry.channel, entry.object_id) == (staff, "screen", person.pk)
    assert entry.via == "admin:accounts_organisermembership_add"


def test_a_crsa_decision_from_its_screen(client, world):  # noqa: F811
    synthesis = submitted(world)
    group = synthesis.groups.first()
    AuditEntry.objects.all().delete()
    client.force_login(world.ars)
    client.post(reverse("synthesis_backoffice:decide", args=[synthesis.pk, group.pk]),
                {f"g{group.pk}-outcome": "adopted", f"g{group.pk}-votes_for": "25",
                 f"g{group.pk}-votes_against": "2", f"g{group.pk}-abstentions": "1"})
    entry = _only("synthesis.decision")
    assert (entry.user, entry.channel, entry.object_id) == (world.ars, "screen", synthesis.pk)
    assert entry.details == {"group": group.pk, "outcome": "adopted", "votes_for": 25,
                             "votes_against": 2, "abstentions": 1}
    assert entry.region_id == synthesis.region_id
    page = client.get(reverse("synthesis_backoffice:workspace", args=[synthesis.pk]))
    assert f"Décision de la CRSA sur « {group.title} » : adoptée" in page.content.decode()


def test_a_syntheses_history_is_for_those_who_manage_it(client, world):  # noqa: F811
    synthesis = submitted(world)
    url = reverse("synthesis_backoffice:workspace", args=[synthesis.pk])
    client.force_login(world.ars)
    page = client.get(url).content.decode()
    assert "Historique" in page and "En cours de rédaction → Soumise à la CRSA" in page
    for other in (world.cts_ain, world.ars_elsewhere, world.outsider):
        client.force_login(other)
        answer = client.get(url)
        assert answer.status_code in (403, 404)
        assert "Soumise à la CRSA" not in answer.content.decode()


def test_a_days_history_is_for_those_who_manage_it(client, day_world):
    day, organiser = day_world["day"], day_world["organiser"]
    events.transition(scope=scope_for(organiser), user=organiser, event=day,
                      target=EventState.PUBLISHED)
    url = reverse("backoffice:manage", args=[day.pk])
    client.force_login(organiser)
    page = client.get(url).content.decode()
    assert "Brouillon → Publiée" in page
    assert organiser.get_full_name() in page or organiser.username in page
    for other in (organiser_of(make_territory("69")), agency_organiser("84"), UserFactory()):
        client.force_login(other)
        answer = client.get(url)
        assert answer.status_code in (403, 404)
        assert "Brouillon → Publiée" not in answer.content.decode()


def test_a_transmissions_history_on_the_national_page(client, national_world):  # noqa: F811
    transmit(national_world)
    transmission = national_world["synthesis"].transmission
    national.acknowledge(scope=scope_for(national_world["national"]),
                         user=national_world["national"], transmission=transmission)
    received = _only("national.transmission.received")
    assert (received.user, received.region_id) == (national_world["ars"],
                                                   national_world["synthesis"].region_id)
    assert _only("national.transmission.acknowledged").user == national_world["national"]
    url = reverse("national:detail", args=[transmission.pk])
    client.force_login(national_world["national"])
    page = client.get(url).content.decode()
    assert "Historique" in page and "Réception accusée" in page
    assert "Version 1 reçue par le secrétariat national" in page
    client.force_login(national_world["other_ars"])
    assert client.get(url).status_code in (403, 404)


def test_within_reads_the_scope_of_the_one_mechanism(day_world):
    day, organiser = day_world["day"], day_world["organiser"]
    events.transition(scope=scope_for(organiser), user=organiser, event=day,
                      target=EventState.PUBLISHED)
    moves = AuditEntry.objects.filter(action="events.day.transition")
    assert moves.within(scope_for(organiser)).count() == 1
    assert moves.within(scope_for(agency_organiser(day.department.region.code))).count() == 1
    assert not moves.within(scope_for(organiser_of(make_territory("69")))).exists()
    assert AuditEntry.objects.about(day).count() == 1


def test_the_history_shows_its_latest_entries_only(client, day_world):
    day, organiser = day_world["day"], day_world["organiser"]
    for n in range(audit.HISTORY_LENGTH + 2):
        audit.record("tests.note", day, user=organiser, summary=f"Note {n}")
    client.force_login(organiser)
    page = client.get(reverse("backoffice:manage", args=[day.pk])).content.decode()
    assert f"Note {audit.HISTORY_LENGTH + 1}" in page and "Note 0<" not in page
    assert f"Seules les {audit.HISTORY_LENGTH} dernières actions sont affichées." in page
