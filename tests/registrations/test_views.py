import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from concertation.registrations import services
from concertation.registrations.models import ExportLog, Registration, RegistrationStatus
from concertation.registrations.tokens import make_token, read_token
from tests.factories import (
    EventFactory,
    UserFactory,
    WorkshopFactory,
    agency_organiser,
    applicant,
    make_territory,
    organiser_of,
    signup_form,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    event = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=event, title="Violence des professionnels envers les usagers",
                    capacity=45)
    WorkshopFactory(event=event, title="Violence des usagers envers les professionnels",
                    capacity=45)
    return event


_form = signup_form


def test_sign_up_says_to_read_the_email_which_holds_the_personal_link(
        client, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registrations:register", args=[event.slug]),
                               _form(event))
    registration = Registration.objects.get()
    assert response.status_code == 302
    # The same page whatever became of the sign-up (see test_limits_and_enumeration.py).
    assert response["Location"] == reverse("registrations:submitted", args=[event.slug])
    page = client.get(response["Location"]).content.decode()
    assert "Consultez votre messagerie" in page and registration.code not in page
    assert mail.outbox[0].to == ["camille@example.org"]
    path = re.search(r"https?://[^/\s]+(/inscriptions/[^/\s]+/)", mail.outbox[0].body).group(1)
    assert read_token(path.rstrip("/").rsplit("/", 1)[1]) == registration
    page = client.get(path).content.decode()
    assert "Confirmée" in page and registration.code in page and "<svg" in page


def test_personal_links_old_and_new_lead_to_the_registration(event, settings):
    from django.core import signing

    from concertation.registrations.tokens import SALT, manage_url

    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[event.workshops.first()]).registration
    path = manage_url(registration, absolute=False)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert path == reverse("registrations:manage", args=[token])
    assert manage_url(registration).startswith(settings.SITE_URL + "/inscriptions/")
    assert read_token(token) == registration
    # Links made with `compress=True`, as before, still open.
    legacy = signing.dumps({"r": registration.pk, "c": registration.code}, salt=SALT,
                           compress=True)
    assert read_token(legacy) == registration


def test_the_personal_page_shows_the_registration_as_it_is_now(client, event):
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[event.workshops.first()]).registration
    page = reverse("registrations:manage", args=[make_token(registration)])
    assert "Confirmée" in client.get(page).content.decode()
    services.cancel(registration)
    assert "Annulée" in client.get(page).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide"),
        ({"consent_processing": ""}, "Votre accord est nécessaire pour vous inscrire."),
        ({"slot_0": "999999"}, "Cet atelier n’appartient pas à cette journée."),
        ({"college": "inconnu"}, "Sélectionnez un choix valide"),
        ({"website": "http://spam.example"}, "Ce champ doit rester vide."),
        ({"first_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_sign_up_changes_nothing_and_says_why(client, event, overrides, message):
    response = client.post(reverse("registrations:register", args=[event.slug]),
                           _form(event, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Registration.objects.exists()


def test_workshop_of_another_day_is_refused(client, event):
    other = WorkshopFactory(event=EventFactory(open=True))
    response = client.post(reverse("registrations:register", args=[event.slug]),
                           _form(event, slot_0=str(other.pk)))
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_second_sign_up_with_the_same_email_takes_no_seat_and_mails_the_owner(
        client, event, django_capture_on_commit_callbacks):
    client.post(reverse("registrations:register", args=[event.slug]), _form(event))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registrations:register", args=[event.slug]),
                               _form(event, submission_token="jeton-2"))
    # Answered as any sign-up: the page does not say the address is registered.
    assert response["Location"] == reverse("registrations:submitted", args=[event.slug])
    assert Registration.objects.count() == 1
    assert mail.outbox[-1].to == ["camille@example.org"]
    assert "vous étiez déjà inscrit(e)" in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:resend", args=[event.slug]),
                    {"email": "camille@example.org"})
    assert mail.outbox[-1].to == ["camille@example.org"]
    assert mail.outbox[-1].subject.startswith("Inscription confirmée")


def test_replayed_form_is_a_no_op(client, event):
    first = client.post(reverse("registrations:register", args=[event.slug]), _form(event))
    again = client.post(reverse("registrations:register", args=[event.slug]), _form(event))
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    registration = Registration.objects.get()
    assert registration.submission_token == "jeton-1"
    assert registration.emails.count() == 1  # the confirmation only


def test_closed_or_cancelled_day_shows_no_form(client):
    for state in ("registration_closed", "cancelled"):
        event = EventFactory(state=state)
        page = client.get(reverse("registrations:register", args=[event.slug])).content.decode()
        assert "Je m’inscris" not in page


def test_tampered_or_expired_link_is_a_clear_page(client, event, settings):
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[]).registration
    token = make_token(registration)
    response = client.get(reverse("registrations:manage", args=[token[:-2] + "xx"]))
    assert response.status_code == 404 and "n’est pas valide" in response.content.decode()
    settings.REGISTRATION_LINK_DAYS = -1
    response = client.get(reverse("registrations:manage", args=[token]))
    assert response.status_code == 404 and "a expiré" in response.content.decode()
    assert client.post(reverse("registrations:cancel", args=[token])).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_participant_changes_workshop_then_cancels_and_the_seat_is_freed(client, event):
    a, b = event.workshops.all()
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[a]).registration
    token = make_token(registration)
    page = client.get(reverse("registrations:manage", args=[token])).content.decode()
    assert f'value="{b.pk}"' in page
    client.post(reverse("registrations:manage", args=[token]), {"slot_0": str(b.pk)})
    assert list(registration.workshops.all()) == [b]
    client.post(reverse("registrations:cancel", args=[token]), {"confirm": "1"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_participant_downloads_then_erases_their_data(client, event):
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[]).registration
    token = make_token(registration)
    data = client.get(reverse("registrations:download", args=[token])).json()
    assert data["adresse_electronique"] == "camille@example.org"
    client.post(reverse("registrations:erase", args=[token]))  # without the confirmation box
    registration.refresh_from_db()
    assert registration.email == "camille@example.org"
    client.post(reverse("registrations:erase", args=[token]), {"confirm": "oui"})
    registration.refresh_from_db()
    assert registration.email == "" and registration.status == RegistrationStatus.CANCELLED


ORGANISER_PAGES = ["list", "add", "check_in", "participation", "questions", "attendance_sheet"]


@pytest.mark.parametrize("page", ORGANISER_PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("cts_of_territory", 200), ("ars_of_region", 200), ("cts_elsewhere", 404),
     ("participant", 403), ("anonymous", 302)],
)
def test_who_may_open_the_registration_pages(client, event, page, role, expected):
    users = {
        "cts_of_territory": lambda: organiser_of(event.health_territory),
        "ars_of_region": lambda: agency_organiser("24"),
        "cts_elsewhere": lambda: organiser_of(make_territory("69")),
        "participant": UserFactory,
        "anonymous": lambda: None,
    }
    user = users[role]()
    if user:
        client.force_login(user)
    response = client.get(reverse(f"registrations_backoffice:{page}", args=[event.pk]))
    assert response.status_code == expected


def test_an_organiser_elsewhere_cannot_export_or_check_in(client, event):
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[]).registration
    client.force_login(organiser_of(make_territory("69")))
    url = reverse("registrations_backoffice:export", args=[event.pk, "xlsx"])
    assert client.get(url).status_code == 404
    client.post(reverse("registrations_backoffice:check_in_mark", args=[event.pk]),
                {"code": registration.code})
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    assert not ExportLog.objects.exists()


def test_exports_are_logged_and_reopen(client, event):
    for i in range(3):
        services.register(event=event, applicant=applicant(email=f"p{i}@example.org",
                                                           last_name=f"=SOMME{i}"),
                          workshops=[event.workshops.first()])
    user = organiser_of(event.health_territory)
    client.force_login(user)
    xlsx = client.get(reverse("registrations_backoffice:export", args=[event.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4 and sheet["D2"].value.startswith("'=")
    csv = client.get(reverse("registrations_backoffice:export", args=[event.pk, "csv"]),
                     {"college": "usager"})
    assert csv.content.decode("utf-8-sig").count("\n") == 4
    assert client.get(reverse("registrations_backoffice:export",
                              args=[event.pk, "exe"])).status_code == 404
    logs = list(ExportLog.objects.values_list("user", "rows"))
    assert logs == [(user.pk, 3), (user.pk, 3)]


def test_check_in_by_code_and_undo(client, event):
    registration = services.register(event=event, applicant=applicant(),
                                     workshops=[]).registration
    client.force_login(organiser_of(event.health_territory))
    url = reverse("registrations_backoffice:check_in_mark", args=[event.pk])
    client.post(url, {"code": registration.code.lower()})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    page = client.get(reverse("registrations_backoffice:check_in", args=[event.pk]),
                      headers={"HX-Request": "true"}).content.decode()
    assert "<strong>1</strong> présent" in page
    client.post(url, {"code": registration.code, "present": "0"})
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    response = client.post(url, {"code": "INCONNU"}, follow=True)
    assert "Aucune inscription à cette journée" in response.content.decode()


def test_attendance_sheet_pdf_lists_people_by_workshop(client, event):
    from pypdf import PdfReader

    a = event.workshops.first()
    services.register(event=event, applicant=applicant(last_name="Rusch"), workshops=[a])
    client.force_login(organiser_of(event.health_territory))
    response = client.get(reverse("registrations_backoffice:attendance_sheet", args=[event.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Feuille d’émargement" in text and "RUSCH" in text and a.title in text


def test_secretariat_registers_someone_without_email(client, event):
    client.force_login(organiser_of(event.health_territory))
    data = _form(event, email="", phone="02 37 00 00 00")
    response = client.post(reverse("registrations_backoffice:add", args=[event.pk]), data)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.source == Registration.Source.SECRETARIAT
    assert registration.phone == "02 37 00 00 00" and not registration.emails.exists()


def test_custom_questions_appear_and_required_ones_are_enforced(client, event):
    client.force_login(organiser_of(event.health_territory))
    client.post(reverse("registrations_backoffice:questions", args=[event.pk]), {
        "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
        "questions-0-position": "0", "questions-0-label": "Besoin d’un repas ?",
        "questions-0-required": "on",
    })
    question = event.questions.get()
    client.logout()
    response = client.post(reverse("registrations:register", args=[event.slug]), _form(event))
    assert response.status_code == 400 and "Besoin d’un repas ?" in response.content.decode()
    client.post(reverse("registrations:register", args=[event.slug]),
                _form(event, **{f"question_{question.pk}": "Oui, végétarien"}))
    assert Registration.objects.get().answers.get().text == "Oui, végétarien"


@pytest.mark.parametrize("n", [2, 20])
def test_registration_list_query_count_is_constant(client, event, django_assert_num_queries, n):
    for i in range(n):
        services.register(event=event, applicant=applicant(email=f"p{i}@example.org"),
                          workshops=[event.workshops.first()])
    client.force_login(organiser_of(event.health_territory))
    # session, user, scope, event, counts, filter workshops, registrations, their workshops,
    # organiser menu
    with django_assert_num_queries(9):
        assert client.get(reverse("registrations_backoffice:list",
                                  args=[event.pk])).status_code == 200


def test_participation_figures_after_the_day(client):
    event = EventFactory(open=True, date=dt.date.today() + dt.timedelta(days=1))
    workshop = WorkshopFactory(event=event, capacity=10)
    people = [services.register(event=event, applicant=applicant(email=f"p{i}@example.org",
                                college="professionnel" if i % 2 else "usager"),
                                workshops=[workshop]).registration for i in range(4)]
    services.set_checked_in(people[0], present=True, user=None)
    services.set_checked_in(people[1], present=True, user=None)
    client.force_login(organiser_of(event.health_territory))
    page = client.get(reverse("registrations_backoffice:participation",
                              args=[event.pk])).content.decode()
    assert "<strong>4</strong> inscrits confirmés" in page
    assert "<strong>2</strong> présents" in page
