import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concertation.events.models import Document, Event, EventState, Workshop
from concertation.territories.models import Department
from tests.factories import (
    CampaignFactory,
    EventFactory,
    UserFactory,
    WorkshopFactory,
    agency_organiser,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def event():
    return EventFactory()


@pytest.fixture
def roles(event):
    """The named users of every permission test, relative to `event` (Eure-et-Loir)."""
    return {
        "cts_of_territory": organiser_of(event.health_territory),
        "ars_of_region": agency_organiser("24"),
        "cts_elsewhere": organiser_of(make_territory("69")),
        "ars_elsewhere": agency_organiser("84"),
        "user_without_membership": UserFactory(),
        "anonymous": None,
    }


ALLOWED = {"cts_of_territory", "ars_of_region"}
PAGES = ["manage", "edit", "programme", "duplicate"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    "role", ["cts_of_territory", "ars_of_region", "cts_elsewhere", "ars_elsewhere",
             "user_without_membership", "anonymous"],
)
def test_who_may_open_each_backoffice_page(client, roles, event, role, page):
    if roles[role]:
        client.force_login(roles[role])
    response = client.get(reverse(f"backoffice:{page}", args=[event.pk]))
    expected = {
        "cts_of_territory": 200, "ars_of_region": 200, "cts_elsewhere": 404,
        "ars_elsewhere": 404, "user_without_membership": 403, "anonymous": 302,
    }[role]
    assert response.status_code == expected


@pytest.mark.parametrize(
    "role", ["cts_of_territory", "ars_of_region", "cts_elsewhere", "ars_elsewhere",
             "user_without_membership", "anonymous"],
)
def test_who_may_publish(client, roles, event, role):
    event.state = EventState.DRAFT
    event.save()
    if roles[role]:
        client.force_login(roles[role])
    client.post(reverse("backoffice:change_state", args=[event.pk]),
                {"target": EventState.PUBLISHED})
    event.refresh_from_db()
    assert (event.state == EventState.PUBLISHED) == (role in ALLOWED)


def test_backoffice_home_lists_only_days_of_the_scope(client, event, roles):
    elsewhere = EventFactory(title="Journée du Rhône", health_territory=make_territory("69"))
    client.force_login(roles["cts_of_territory"])
    page = client.get(reverse("backoffice:home")).content.decode()
    assert event.title in page and elsewhere.title not in page


@pytest.mark.parametrize("n", [1, 12])
def test_backoffice_home_query_count_is_constant(client, django_assert_num_queries, n):
    territory = make_territory("28")
    EventFactory.create_batch(n, health_territory=territory)
    client.force_login(organiser_of(territory))
    # session, user, memberships (scope), state counts, days, their themes, memberships shown,
    # whether to show the organiser menu, whether the background queue is stalled
    with django_assert_num_queries(9):
        assert client.get(reverse("backoffice:home")).status_code == 200


def _form_data(campaign, **overrides):
    data = {
        "campaign": campaign.pk, "kind": Event.Kind.CONSULTATION_DAY,
        "title": "4e CNR Santé d’Eure-et-Loir", "summary": "",
        "department": Department.objects.get(code="28").pk, "health_territory": "",
        "co_organisers": "CTS d’Eure-et-Loir", "date": "2031-03-12", "starts_at": "09:00",
        "ends_at": "13:00", "venue_name": "CCI Eure-et-Loir",
        "venue_address": "5bis avenue Marcel Proust", "venue_postcode": "28000",
        "venue_city": "Chartres", "is_public": "on", "registration_url": "",
        "plenary_title": "Restitution en plénière", "plenary_description": "",
    }
    data.update(overrides)
    return data


def test_a_cts_organiser_creates_a_draft_in_their_territory(client):
    territory = make_territory("28")
    client.force_login(organiser_of(territory))
    response = client.post(reverse("backoffice:create"),
                           _form_data(CampaignFactory(), health_territory=territory.pk))
    event = Event.objects.get()
    assert response.status_code == 302
    assert (event.state, event.health_territory, event.department.code) == (
        EventState.DRAFT, territory, "28")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "08:00"}, "L’heure de fin doit être postérieure à l’heure de début."),
        ({"department": "999999"}, "Territoire inconnu ou hors de votre périmètre."),
        ({"venue_postcode": "28"}, "Le code postal doit comporter 5 chiffres."),
        ({"title": ""}, "Ce champ est obligatoire."),
        ({"date": "31/02/2031"}, "Saisissez une date valide."),
        ({"health_territory": ""}, "vous n’organisez que dans celui-ci"),
    ],
)
def test_bad_input_saves_nothing_and_says_why_in_french(client, overrides, message):
    territory = make_territory("28")
    client.force_login(organiser_of(territory))
    data = _form_data(CampaignFactory(), health_territory=territory.pk)
    data.update(overrides)
    response = client.post(reverse("backoffice:create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Rien n’a été enregistré" in response.content.decode()
    assert not Event.objects.exists()


def test_a_cts_organiser_cannot_place_a_day_in_another_territory(client):
    mine, other = make_territory("28"), make_territory("69")
    client.force_login(organiser_of(mine))
    data = _form_data(CampaignFactory(), health_territory=other.pk,
                      department=Department.objects.get(code="69").pk)
    response = client.post(reverse("backoffice:create"), data)
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_editing_keeps_the_state_and_validates(client, event):
    client.force_login(organiser_of(event.health_territory))
    data = _form_data(event.campaign, health_territory=event.health_territory.pk,
                      title="Nouveau titre")
    assert client.post(reverse("backoffice:edit", args=[event.pk]), data).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.state) == ("Nouveau titre", EventState.PUBLISHED)


def test_programme_rejects_a_non_positive_capacity(client, event):
    workshop = WorkshopFactory(event=event, capacity=30)
    client.force_login(organiser_of(event.health_territory))
    data = {
        "talks-TOTAL_FORMS": "0", "talks-INITIAL_FORMS": "0",
        "workshops-TOTAL_FORMS": "1", "workshops-INITIAL_FORMS": "1",
        "workshops-0-id": workshop.pk, "workshops-0-event": event.pk,
        "workshops-0-position": "0", "workshops-0-title": workshop.title,
        "workshops-0-capacity": "0",
    }
    response = client.post(reverse("backoffice:programme", args=[event.pk]), data)
    assert "Le nombre de places doit être positif." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.capacity == 30


def test_programme_adds_talks_and_workshops(client, event):
    client.force_login(organiser_of(event.health_territory))
    data = {
        "talks-TOTAL_FORMS": "1", "talks-INITIAL_FORMS": "0",
        "talks-0-position": "0", "talks-0-starts_at": "09:15",
        "talks-0-title": "Avis de la CNS sur les violences en santé",
        "talks-0-speakers": "Pr Emmanuel Rusch",
        "workshops-TOTAL_FORMS": "2", "workshops-INITIAL_FORMS": "0",
        "workshops-0-position": "0", "workshops-0-capacity": "45",
        "workshops-0-title": "Violence des professionnels envers les usagers",
        "workshops-1-position": "1", "workshops-1-capacity": "45",
        "workshops-1-title": "Violence des usagers envers les professionnels",
    }
    response = client.post(reverse("backoffice:programme", args=[event.pk]), data)
    assert response.status_code == 302
    assert event.talks.get().speakers == "Pr Emmanuel Rusch"
    assert event.workshops.count() == 2


def test_duplicate_rolls_a_template_out_to_twelve_departmental_drafts(client):
    ain = make_territory("01")
    template = EventFactory(health_territory=ain, title="Journée CNR Santé")
    WorkshopFactory.create_batch(4, event=template)
    Document.objects.create(event=template, title="Programme", size=len(PDF),
                            file=SimpleUploadedFile("programme.pdf", PDF))
    territories = [ain] + [make_territory(code) for code in
                           ["03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]]
    client.force_login(agency_organiser("84"))
    response = client.post(reverse("backoffice:duplicate", args=[template.pk]), {
        "title": "Journée CNR Santé", "date": "2031-11-25",
        "territories": [t.pk for t in territories],
    })
    assert response.status_code == 302
    copies = Event.objects.exclude(pk=template.pk)
    assert copies.count() == 12
    assert set(copies.values_list("state", flat=True)) == {EventState.DRAFT}
    assert {c.department.code for c in copies} == {t.departments.get().code for t in territories}
    assert Workshop.objects.filter(event__in=copies).count() == 48
    assert Document.objects.filter(event__in=copies).count() == 12
    with copies.first().documents.get().file.open("rb") as fh:
        assert fh.read() == PDF


def test_duplicate_to_a_territory_outside_the_scope_is_refused(client):
    mine = make_territory("28")
    template = EventFactory(health_territory=mine)
    other = make_territory("69")
    client.force_login(organiser_of(mine))
    response = client.post(reverse("backoffice:duplicate", args=[template.pk]), {
        "title": "Copie", "date": "2031-11-25", "territories": [other.pk],
    })
    assert response.status_code == 200
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "size", "message"),
    [
        ("notes.txt", b"hello", None, "Seuls les fichiers PDF sont acceptés."),
        ("faux.pdf", b"<html>", None, "Seuls les fichiers PDF sont acceptés."),
    ],
)
def test_bad_uploads_are_refused(client, settings, event, name, content, size, message):
    if size:
        settings.MAX_DOCUMENT_SIZE = size
    client.force_login(organiser_of(event.health_territory))
    response = client.post(reverse("backoffice:add_document", args=[event.pk]),
                           {"title": "Doc", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_a_pdf_is_attached_and_listed_on_the_public_page(client, event):
    client.force_login(organiser_of(event.health_territory))
    response = client.post(reverse("backoffice:add_document", args=[event.pk]), {
        "title": "Avis de la CNS (mai 2023)",
        "file": SimpleUploadedFile("avis.pdf", PDF, content_type="application/pdf"),
    })
    assert response.status_code == 302
    client.logout()
    assert "Avis de la CNS (mai 2023)" in client.get(event.get_absolute_url()).content.decode()
    document = Document.objects.get()
    client.force_login(organiser_of(event.health_territory))
    client.post(reverse("backoffice:delete_document", args=[event.pk, document.pk]))
    assert not Document.objects.exists()


def test_a_held_day_can_no_longer_be_edited(client):
    event = EventFactory(state=EventState.HELD, date=dt.date(2024, 12, 12))
    client.force_login(organiser_of(event.health_territory))
    response = client.post(reverse("backoffice:edit", args=[event.pk]),
                           _form_data(event.campaign, title="Changé"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title != "Changé"


def test_unknown_state_target_is_a_clear_message(client, event):
    client.force_login(organiser_of(event.health_territory))
    response = client.post(reverse("backoffice:change_state", args=[event.pk]),
                           {"target": "n-importe-quoi"}, follow=True)
    assert "Action inconnue." in response.content.decode()
