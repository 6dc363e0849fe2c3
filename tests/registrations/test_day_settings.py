"""A day's settings (issue 18): reminders on its own schedule, its consent text and venue
accessibility shown on its page and form, the accessibility needs registrants typed; and its
certificates of attendance, for those checked in only, signed by whom the settings name."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.events.models import Talk
from concertation.registrations.models import DaySettings, ExportLog, Registration
from concertation.registrations.services.reminders import send_due_reminders
from concertation.registrations.tokens import make_token
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)

pytestmark = pytest.mark.django_db

SETTINGS_FORM = {
    "reminders": "7, 1", "data_protection_text": "", "step_free_access": "yes",
    "induction_loop": "no", "sign_language": "", "accessibility_notes": "",
    "signatory_name": "Claire Martin", "signatory_role": "Présidente du CTS d’Eure-et-Loir",
}


@pytest.fixture
def held():
    territory = make_territory("28")
    event = EventFactory(health_territory=territory, past=True, title="Santé en Eure-et-Loir",
                         venue_city="Chartres")
    Talk.objects.create(event=event, title="Ouverture par le directeur", position=0,
                        starts_at=dt.time(9, 30))
    workshop = WorkshopFactory(event=event, title="Accès aux soins")
    came = RegistrationFactory(event=event, first_name="Aïcha", last_name="Benali",
                               organisation="Maison de santé de Dreux",
                               checked_in_at=timezone.now() - dt.timedelta(days=30))
    came.workshops.add(workshop)
    absent = RegistrationFactory(event=event, first_name="Bruno", last_name="Absent")
    return event, came, absent, organiser_of(territory)


def _sign(event, name="Claire Martin", role="Présidente du CTS d’Eure-et-Loir"):
    DaySettings.objects.update_or_create(event=event, defaults={
        "signatory_name": name, "signatory_role": role})


def _text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _certificate(client, registration):
    return client.get(reverse("registrations:certificate", args=[make_token(registration)]))


def test_a_checked_in_participant_downloads_a_signed_certificate(client, held):
    import pypdfium2

    event, came, _, _ = held
    _sign(event)
    response = _certificate(client, came)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    (text,) = _text(response.content)
    flat = " ".join(text.split()).replace("- ", "-")  # a line broken at a hyphen
    assert "Attestation de présence" in flat
    assert "Claire Martin, Présidente du CTS d’Eure-et-Loir, atteste que Aïcha Benali" in flat
    assert "Santé en Eure-et-Loir" in flat and "Chartres" in flat, flat
    assert f"de {event.starts_at:%-H}h" in flat.replace("h00", "h")
    assert "9h30 — Ouverture par le directeur" in flat
    assert "Atelier : Accès aux soins" in flat and "atelier suivi" in flat
    # Rendered: a page of ink, its title in the primary blue.
    document = pypdfium2.PdfDocument(response.content)
    try:
        image = document[0].render(scale=50 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    colours = image.getcolors(maxcolors=image.width * image.height)
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 300)
    blue = sum(n for n, rgb in colours if rgb == (0, 0, 0x91))
    assert 0.005 < dark / (image.width * image.height) < 0.3
    assert blue > 50


def test_someone_not_checked_in_is_refused_in_french(client, held):
    event, came, absent, _ = held
    _sign(event)
    response = _certificate(client, absent)
    assert response.status_code == 409
    assert "votre arrivée n’a pas été enregistrée à l’accueil" in response.content.decode()
    # Nor anyone while the organisers have named no signatory.
    DaySettings.objects.filter(event=event).update(signatory_name="")
    response = _certificate(client, came)
    assert response.status_code == 409 and "qui la signe" in response.content.decode()
    assert _certificate(client, absent).status_code == 409
    bad = client.get(reverse("registrations:certificate", args=["pas-un-lien"]))
    assert bad.status_code == 404


def test_the_personal_page_offers_the_certificate_to_those_who_came(client, held):
    event, came, absent, _ = held
    for registration, offered in ((came, True), (absent, False)):
        page = client.get(reverse("registrations:manage", args=[make_token(registration)]))
        assert ("Télécharger mon attestation de présence" in page.content.decode()) is offered


def test_organisers_download_all_certificates_as_one_pdf_or_a_zip(client, held):
    event, came, absent, organiser = held
    second = RegistrationFactory(event=event, first_name="Élodie", last_name="Çelik",
                                 checked_in_at=timezone.now() - dt.timedelta(days=30))
    client.force_login(organiser)
    url = reverse("registrations_backoffice:certificates", args=[event.pk])
    refused = client.get(url, {"format": "pdf"})
    assert refused.status_code == 400 and "signataire" in refused.content.decode()
    _sign(event)
    page = client.get(url).content.decode()
    assert "<strong>2</strong> personnes" in page
    pages = _text(client.get(url, {"format": "pdf"}).content)
    assert len(pages) == 2 and "Aïcha Benali" in pages[0] and "Élodie Çelik" in pages[1]
    archive = zipfile.ZipFile(io.BytesIO(client.get(url, {"format": "zip"}).content))
    names = sorted(archive.namelist())
    assert names == sorted([f"attestation-Benali-Aicha-{came.code}.pdf",
                            f"attestation-Celik-Elodie-{second.code}.pdf"])
    assert "Élodie Çelik" in _text(archive.read(names[1]))[0]
    assert client.get(url, {"format": "docx"}).status_code == 400
    assert [log.rows for log in ExportLog.objects.all()] == [2, 2]


def test_settings_refuse_bad_input_in_french_keeping_it(client, held):
    event, _, _, organiser = held
    client.force_login(organiser)
    url = reverse("registrations_backoffice:settings", args=[event.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {**SETTINGS_FORM, "reminders": "7, la veille",
                                 "accessibility_notes": "Rampe côté parking"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez des nombres entiers de jours" in page
    assert 'value="7, la veille"' in page and "Rampe côté parking" in page
    assert "entre 0 (le matin même) et 60" in client.post(
        url, {**SETTINGS_FORM, "reminders": "90"}).content.decode()
    response = client.post(url, {**SETTINGS_FORM, "signatory_role": ""})
    assert response.status_code == 400 and "ou aucun des deux" in response.content.decode()
    assert not DaySettings.objects.exists()


def test_accessibility_and_consent_text_shown_on_the_day_and_its_form(client, held):
    territory = held[0].health_territory
    event = EventFactory(health_territory=territory, open=True,
                         date=timezone.localdate() + dt.timedelta(days=20))
    client.force_login(organiser_of(territory))
    url = reverse("registrations_backoffice:settings", args=[event.pk])
    response = client.post(url, {
        **SETTINGS_FORM, "reminders": "10 ; 2", "sign_language": "yes",
        "accessibility_notes": "Boucle magnétique absente ; casques sur demande.",
        "data_protection_text": "Le CTS traite vos données pour organiser la journée."})
    assert response.status_code == 302
    saved = DaySettings.objects.get(event=event)
    assert saved.reminder_days == [10, 2]
    client.logout()
    for page_url in (event.get_absolute_url(),
                     reverse("registrations:register", args=[event.slug])):
        page = client.get(page_url).content.decode()
        assert "Accessibilité du lieu" in page
        assert "Accès de plain-pied ou par ascenseur : oui" in page
        assert "Boucle à induction magnétique : non" in page
        assert "Interprète en langue des signes (LSF) : oui" in page
        assert "casques sur demande" in page
    form = client.get(reverse("registrations:register", args=[event.slug])).content.decode()
    assert "Le CTS traite vos données pour organiser la journée." in form


def test_accessibility_needs_lists_what_registrants_typed(client, held):
    event, came, absent, organiser = held
    Registration.objects.filter(pk=came.pk).update(accessibility_needs="Fauteuil roulant")
    RegistrationFactory(event=event, last_name="Partie", status="cancelled",
                        accessibility_needs="Chien guide")
    client.force_login(organiser)
    page = client.get(reverse("registrations_backoffice:accessibility_needs",
                              args=[event.pk])).content.decode()
    assert "Fauteuil roulant" in page and "BENALI" in page
    assert "Chien guide" not in page and "ABSENT" not in page
    assert "1 personne avec un besoin indiqué" in page


def _reminders(registration) -> int:
    return OutgoingEmail.objects.filter(registration=registration,
                                        kind=OutgoingEmail.Kind.REMINDER).count()


def test_reminders_follow_the_days_schedule_once_each(django_capture_on_commit_callbacks):
    day = timezone.localdate() + dt.timedelta(days=30)
    event = EventFactory(open=True, date=day)
    DaySettings.objects.create(event=event, reminder_days=[7, 1])
    long_ago = timezone.now() - dt.timedelta(days=20)
    early = RegistrationFactory(event=event, email="tot@example.org", created_at=long_ago)
    # Signed up three days before: the 7-day reminder's time had passed.
    late = RegistrationFactory(event=event, email="tard@example.org",
                               created_at=timezone.make_aware(dt.datetime.combine(
                                   day - dt.timedelta(days=3), dt.time(10))))
    waiting = RegistrationFactory(event=event, email="attente@example.org", status="waitlisted",
                                  created_at=long_ago)

    def run(days_before: int) -> int:
        today = day - dt.timedelta(days=days_before)
        moment = timezone.make_aware(dt.datetime.combine(today, dt.time(8)))
        before = set(OutgoingEmail.objects.values_list("pk", flat=True))
        with django_capture_on_commit_callbacks(execute=False):
            count = send_due_reminders(today)
        # What the outbox wrote is stamped with the chore's (moved) time.
        OutgoingEmail.objects.exclude(pk__in=before).update(created_at=moment)
        return count

    assert run(8) == 0
    assert run(7) == 1 and _reminders(early) == 1 and _reminders(late) == 0
    assert run(7) == 0 and run(5) == 0
    assert run(1) == 2 and _reminders(early) == 2 and _reminders(late) == 1
    assert run(1) == 0 and run(0) == 0 and run(-1) == 0
    assert _reminders(waiting) == 0


def test_a_day_without_reminders_sends_none():
    event = EventFactory(open=True, date=timezone.localdate() + dt.timedelta(days=1))
    DaySettings.objects.create(event=event, reminder_days=[])
    RegistrationFactory(event=event, email="a@example.org",
                        created_at=timezone.now() - dt.timedelta(days=9))
    assert send_due_reminders() == 0


def test_pages_queries_are_pinned(client, held, django_assert_num_queries):
    event, came, _, organiser = held
    _sign(event)
    for i in range(5):
        RegistrationFactory(event=event, accessibility_needs=f"Besoin {i}",
                            checked_in_at=timezone.now())
    client.force_login(organiser)
    for name in ("settings", "accessibility_needs", "certificates"):
        client.get(reverse(f"registrations_backoffice:{name}", args=[event.pk]))
    with django_assert_num_queries(6):
        client.get(reverse("registrations_backoffice:settings", args=[event.pk]))
    with django_assert_num_queries(8):
        client.get(reverse("registrations_backoffice:accessibility_needs", args=[event.pk]))
    with django_assert_num_queries(7):
        client.get(reverse("registrations_backoffice:certificates", args=[event.pk]))
