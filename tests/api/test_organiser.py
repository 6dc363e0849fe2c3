"""The organisers' endpoints with API tokens: a token is shown once and kept as a hash, acts
with its owner's scope (the back-office's mechanism: another territory's day is a 404),
is logged at each use, and stops at once when revoked or when its owner loses the role.
Writes go through the back-office's services (check-ins, milestone import)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from concertation.accounts.models import OrganiserMembership
from concertation.accounts.scope import scope_for
from concertation.api import tokens
from concertation.api.models import ApiToken, ApiTokenUse
from concertation.projects.models import Milestone
from concertation.registrations.models import ExportLog, Registration
from concertation.registrations.services import register
from tests.factories import (
    EventFactory,
    ProjectFactory,
    applicant,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    territory_a, territory_b = make_territory("28"), make_territory("69")
    day_a = EventFactory(health_territory=territory_a, open=True, capacity=2)
    day_b = EventFactory(health_territory=territory_b, open=True)
    people = [register(event=day_a, applicant=applicant(email=f"p{i}@example.org",
                                                        last_name=f"Nom{i}"),
                       workshops=[]).registration for i in range(3)]
    register(event=day_b, applicant=applicant(email="b@example.org"), workshops=[])
    organiser = organiser_of(territory_a)
    token, raw = tokens.create(scope=scope_for(organiser), user=organiser, name="Accueil")
    return {"a": day_a, "b": day_b, "people": people, "organiser": organiser,
            "token": token, "raw": raw, "territory_a": territory_a}


def _auth(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_a_token_is_kept_as_its_hash_and_shown_once(client, world):
    raw, token = world["raw"], world["token"]
    assert raw.startswith("cct_") and len(raw) > 40
    assert raw not in {token.token_hash, token.prefix}
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    client.force_login(world["organiser"])
    answer = client.post(reverse("api_backoffice:tokens"), {"name": "Tableur du CTS"})
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    shown = answer.context["created"]
    assert shown in answer.content.decode()
    assert ApiToken.objects.get(name="Tableur du CTS").token_hash == tokens._hash(shown)
    again = client.get(reverse("api_backoffice:tokens")).content.decode()
    assert shown not in again and "Tableur du CTS" in again


def test_a_token_without_a_name_is_refused_in_french(client, world):
    client.force_login(world["organiser"])
    answer = client.post(reverse("api_backoffice:tokens"), {"name": "  "})
    assert answer.status_code == 400
    assert "Ce champ est obligatoire" in answer.content.decode()
    assert ApiToken.objects.filter(user=world["organiser"]).count() == 1


def test_the_token_sees_its_owners_days_only(client, world):
    days = client.get(reverse("api:organiser_days"), headers=_auth(world["raw"])).json()
    assert [d["id"] for d in days["results"]] == [world["a"].pk]
    mine = client.get(reverse("api:organiser_registrations", args=[world["a"].pk]),
                      headers=_auth(world["raw"]))
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-store"
    assert "ETag" not in mine
    listed = mine.json()["results"]
    assert {r["email"] for r in listed} == {f"p{i}@example.org" for i in range(3)}
    assert [r["status"] for r in listed] == ["confirmed", "confirmed", "waitlisted"]
    other = client.get(reverse("api:organiser_registrations", args=[world["b"].pk]),
                       headers=_auth(world["raw"]))
    assert other.status_code == 404 and other.json()["detail"] == "Introuvable ou non publié."


def test_each_use_is_logged_and_a_revoked_token_stops(client, world):
    url = reverse("api:organiser_days")
    assert client.get(url, headers=_auth(world["raw"])).status_code == 200
    world["token"].refresh_from_db()
    assert world["token"].last_used_at is not None
    use = ApiTokenUse.objects.get(token=world["token"])
    assert (use.method, use.path, use.address) == ("GET", url, "127.0.0.1")
    tokens.revoke(user=world["organiser"], token_id=world["token"].pk)
    refused = client.get(url, headers=_auth(world["raw"]))
    assert refused.status_code == 401
    assert "Jeton d’API manquant, inconnu ou révoqué" in refused.json()["detail"]
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_auth("cct_nimporte")).status_code == 401


def test_an_owner_who_loses_the_role_loses_the_token(client, world):
    OrganiserMembership.objects.filter(user=world["organiser"]).delete()
    answer = client.get(reverse("api:organiser_days"), headers=_auth(world["raw"]))
    assert answer.status_code == 403
    assert answer.json()["detail"] == tokens.NOT_ORGANISER


def test_revoking_from_the_page_asks_first(client, world):
    client.force_login(world["organiser"])
    url = reverse("api_backoffice:token_revoke", args=[world["token"].pk])
    first = client.post(url)
    assert first.status_code == 200 and "Confirmer : révoquer le jeton" in first.content.decode()
    world["token"].refresh_from_db()
    assert world["token"].active
    assert client.post(url, {"confirm": "1"}).status_code == 302
    world["token"].refresh_from_db()
    assert not world["token"].active
    # Another organiser cannot even see it.
    client.force_login(organiser_of(world["territory_a"]))
    assert client.post(url, {"confirm": "1"}).status_code == 404


def test_export_is_the_back_offices_and_is_logged(client, world):
    url = reverse("api:organiser_registrations_export", args=[world["a"].pk])
    answer = client.get(url + "?format=csv&status=confirmed", headers=_auth(world["raw"]))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Code", "Statut", "Prénom"] and len(rows) == 3
    log = ExportLog.objects.get(event=world["a"])
    assert (log.user, log.rows) == (world["organiser"], 2) and "API" in log.what
    xlsx = client.get(url + "?format=xlsx", headers=_auth(world["raw"]))
    assert xlsx.content[:2] == b"PK"
    bad = client.get(url + "?format=pdf", headers=_auth(world["raw"]))
    assert bad.status_code == 400 and bad.json()["detail"] == "format : csv ou xlsx."


def test_check_in_goes_through_the_attendance_service(client, world):
    confirmed, waitlisted = world["people"][0], world["people"][2]
    url = reverse("api:organiser_check_in", args=[world["a"].pk])
    answer = client.post(url, {"code": confirmed.code.lower()}, content_type="application/json",
                         headers=_auth(world["raw"]))
    assert answer.status_code == 200 and answer.json()["checked_in_at"]
    confirmed.refresh_from_db()
    assert confirmed.checked_in_by == world["organiser"]
    refused = client.post(url, {"code": waitlisted.code}, content_type="application/json",
                          headers=_auth(world["raw"]))
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Seule une inscription confirmée peut être pointée."
    unknown = client.post(url, {"code": "ZZZZZZ"}, content_type="application/json",
                          headers=_auth(world["raw"]))
    assert unknown.status_code == 404
    undone = client.post(url, {"code": confirmed.code, "present": False},
                         content_type="application/json", headers=_auth(world["raw"]))
    assert undone.json()["checked_in_at"] is None
    # A day of another territory: not found, nothing written.
    other = Registration.objects.get(event=world["b"])
    elsewhere = client.post(reverse("api:organiser_check_in", args=[world["b"].pk]),
                            {"code": other.code}, content_type="application/json",
                            headers=_auth(world["raw"]))
    assert elsewhere.status_code == 404
    other.refresh_from_db()
    assert other.checked_in_at is None


def _sheet(*rows: str) -> io.BytesIO:
    content = ("projet;cle_jalon;jalon;date_prevue;statut_jalon;poids\n"
               + "\n".join(rows) + "\n").encode()
    upload = io.BytesIO(content)
    upload.name = "jalons.csv"
    return upload


def test_milestone_import_is_the_back_offices_all_or_nothing(client, world):
    mine = ProjectFactory(health_territory=world["territory_a"], in_progress=True)
    theirs = ProjectFactory(health_territory=make_territory("69"), in_progress=True)
    url = reverse("api:organiser_milestones_import")
    done = client.post(url, {"sheet": _sheet(f"{mine.slug};ouverture;Ouverture;01/03/2027;"
                                             "Prévu;2")}, headers=_auth(world["raw"]))
    assert done.status_code == 200, done.content
    assert done.json() == {"created": 1, "updated": 0, "unchanged": 0, "transitions": 0}
    assert Milestone.objects.get(project=mine, key="ouverture").weight == 2
    refused = client.post(url, {"sheet": _sheet(
        f"{mine.slug};suite;Suite;01/04/2027;Prévu;1",
        f"{theirs.slug};intrus;Intrus;01/04/2027;Prévu;1")}, headers=_auth(world["raw"]))
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("Rien n’a été importé")
    assert not Milestone.objects.filter(key__in=["suite", "intrus"]).exists()
    unreadable = client.post(url, {"sheet": io.BytesIO(b"x")}, headers=_auth(world["raw"]))
    assert unreadable.status_code == 400


def test_registration_list_query_count_is_pinned(client, world, django_assert_num_queries):
    url = reverse("api:organiser_registrations", args=[world["a"].pk])
    # Token (with its owner), last use, use row, scope (memberships, facilitations), the day,
    # the page with its workshops: the same for one row as for many.
    for limit in (1, 3):
        with django_assert_num_queries(7):
            assert len(client.get(f"{url}?limit={limit}", headers=_auth(world["raw"]))
                       .json()["results"]) == limit
