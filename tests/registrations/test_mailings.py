"""« Écrire aux inscrits » (issue 18): an organiser writes to a chosen group of a day's
registrants, sees the message and the number of recipients before sending, sends now or at a
date (cancellable until then); each recipient gets one mail through the retried outbox, over
a real SMTP server on loopback; a non-essential message honours the registrant's opt-out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from concertation.core.models import OutgoingEmail
from concertation.registrations.models import Mailing
from concertation.registrations.services import mailings
from concertation.registrations.tokens import manage_url
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    WorkshopFactory,
    make_territory,
    organiser_of,
)
from tests.smtp import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    territory = make_territory("28")
    event = EventFactory(health_territory=territory, past=True)
    first, second = WorkshopFactory(event=event), WorkshopFactory(event=event)
    people = {}
    for name, status, consent, present, workshop in [
        ("alice", "confirmed", True, True, first), ("bruno", "confirmed", False, True, first),
        ("chloe", "confirmed", True, False, second), ("david", "waitlisted", True, False, None),
        ("emma", "cancelled", True, False, first),
    ]:
        registration = RegistrationFactory(
            event=event, status=status, first_name=name.title(), email=f"{name}@example.org",
            consent_mailings=consent,
            checked_in_at=timezone.now() - dt.timedelta(days=29) if present else None)
        if workshop:
            registration.workshops.add(workshop)
        people[name] = registration
    return event, (first, second), people, organiser_of(territory)


@pytest.fixture
def smtp(settings):
    with smtp_server() as (port, mailbox):
        settings.MAILERS = {"default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
        yield mailbox


def _names(rows) -> set[str]:
    return {r.email.split("@")[0] for r in rows}


@pytest.mark.parametrize(("audience", "essential", "expected"), [
    ("confirmed", False, {"alice", "chloe"}),
    ("confirmed", True, {"alice", "bruno", "chloe"}),
    ("waitlisted", False, {"david"}),
    ("present", True, {"alice", "bruno"}),
    ("present", False, {"alice"}),
    ("absent", True, {"chloe"}),
])
def test_each_audience_reaches_exactly_its_people(day, audience, essential, expected):
    event, _, _, _ = day
    assert _names(mailings.recipients(event, audience, None, essential)) == expected


def test_a_workshop_audience_is_that_workshops_confirmed_registrants(day):
    event, (first, second), _, _ = day
    assert _names(mailings.recipients(event, "workshop", first, True)) == {"alice", "bruno"}
    assert _names(mailings.recipients(event, "workshop", second, True)) == {"chloe"}


def _form(**overrides) -> dict:
    data = {"subject": "Merci de votre venue", "body": "Bonjour,\nVoici la suite.",
            "audience": "present", "workshop": "", "when": "now", "send_date": "",
            "send_time": ""}
    data.update(overrides)
    return data


def test_preview_then_send_reaches_the_checked_in_once_each(
        client, day, smtp, django_capture_on_commit_callbacks):
    event, _, people, organiser = day
    client.force_login(organiser)
    url = reverse("registrations_backoffice:mailings", args=[event.pk])
    preview = client.post(url, _form(essential="on"))
    page = preview.content.decode()
    # Nothing sent by the first post: the preview with the number of recipients.
    assert "Vérifier le message avant de l’envoyer" in page
    assert "2 personnes" in page and "Envoyer à 2 personnes" in page
    assert "Voici la suite." in page
    assert not Mailing.objects.exists() and not OutgoingEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, _form(essential="on", confirm="1"))
    assert sent.status_code == 302
    mailing = Mailing.objects.get()
    assert mailing.state == "sent" and mailing.recipients == 2
    smtp.wait_to("alice@example.org", "Merci de votre venue")
    smtp.wait_to("bruno@example.org", "Merci de votre venue")
    assert sorted(r for m in smtp.messages for r in m.recipients) == [
        "alice@example.org", "bruno@example.org"]
    text = smtp.to("alice@example.org")[0].text
    assert "Voici la suite." in text and "/inscriptions/" in text
    log = client.get(url).content.decode()
    assert "2 destinataires, 2 remis au serveur de courriel" in log


def test_a_non_essential_message_skips_who_opted_out_even_after_sending(
        client, day, smtp, django_capture_on_commit_callbacks):
    event, _, people, organiser = day
    client.force_login(organiser)
    # Alice withdraws from her own link.
    token_path = manage_url(people["alice"]).split("/inscriptions/")[1].rstrip("/")
    client.post(reverse("registrations:mailings_consent", args=[token_path]), {"accept": "0"})
    people["alice"].refresh_from_db()
    assert people["alice"].consent_mailings is False
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations_backoffice:mailings", args=[event.pk]),
                    _form(audience="confirmed", confirm="1"))
    assert Mailing.objects.get().recipients == 1  # Chloé only; Bruno never accepted
    smtp.wait_to("chloe@example.org", "Merci de votre venue")
    assert [r for m in smtp.messages for r in m.recipients] == ["chloe@example.org"]


def test_a_scheduled_message_waits_for_its_time_and_can_be_cancelled(
        client, day, django_capture_on_commit_callbacks):
    event, _, _, organiser = day
    client.force_login(organiser)
    url = reverse("registrations_backoffice:mailings", args=[event.pk])
    later = timezone.localtime() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _form(
            audience="confirmed", essential="on", when="later", confirm="1",
            send_date=later.strftime("%Y-%m-%d"), send_time=later.strftime("%H:%M")))
    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert mailing.state == "scheduled" and not OutgoingEmail.objects.exists()
    assert mailings.send_due() == 0  # not yet its time

    cancel = reverse("registrations_backoffice:mailing_cancel", args=[event.pk])
    asked = client.post(cancel, {"mailing": mailing.pk})
    assert "Annuler l’envoi" in asked.content.decode()
    mailing.refresh_from_db()
    assert mailing.state == "scheduled"  # nothing done before the confirmation
    client.post(cancel, {"mailing": mailing.pk, "confirm": "1"})
    mailing.refresh_from_db()
    assert mailing.state == "cancelled"
    assert mailings.send_due(now=later + dt.timedelta(hours=1)) == 0
    assert not OutgoingEmail.objects.exists()


def test_a_due_message_is_sent_once_even_if_asked_twice(day):
    event, _, _, organiser = day
    from concertation.accounts.scope import scope_for

    mailing = mailings.schedule(
        scope=scope_for(organiser), event=event, user=organiser, subject="Rappel",
        body="Texte", audience="confirmed", essential=True,
        send_at=timezone.now() + dt.timedelta(hours=1))
    soon = timezone.now() + dt.timedelta(hours=2)
    assert mailings.deliver(mailing.pk, soon) == 3
    assert mailings.deliver(mailing.pk, soon) == 0
    assert mailings.send_due(soon) == 0
    assert OutgoingEmail.objects.filter(kind="mailing").count() == 3


@pytest.mark.parametrize(("overrides", "message"), [
    ({"subject": ""}, "Ce champ est obligatoire"),
    ({"audience": "everybody"}, "Sélectionnez un choix valide"),
    ({"audience": "workshop"}, "Choisissez l’atelier"),
    ({"when": "later"}, "Indiquez la date et l’heure"),
    ({"when": "later", "send_date": "2020-01-01", "send_time": "10:00"}, "date d’envoi est passée"),
    ({"when": "later", "send_date": "2999-01-01", "send_time": "10:00"}, "plus d’un an"),
    ({"when": "later", "send_date": "31/02/2027", "send_time": "10:00"}, "Saisissez une date"),
    ({"workshop": "abc", "audience": "workshop"}, "Sélectionnez un choix valide"),
    ({"body": "x" * 10_001}, "10000 caractères"),
])
def test_bad_input_is_refused_in_french_keeps_what_was_typed_and_sends_nothing(
        client, day, overrides, message):
    event, _, _, organiser = day
    client.force_login(organiser)
    response = client.post(reverse("registrations_backoffice:mailings", args=[event.pk]),
                           _form(confirm="1", **overrides))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "Bonjour,\nVoici la suite." in page or "x" * 100 in page
    assert not Mailing.objects.exists()


def test_present_or_absent_before_the_day_is_refused(client):
    territory = make_territory("28")
    event = EventFactory(health_territory=territory)  # in 20 days
    client.force_login(organiser_of(territory))
    response = client.post(reverse("registrations_backoffice:mailings", args=[event.pk]),
                           _form(audience="absent", confirm="1"))
    assert response.status_code == 400
    assert "qu’une fois la journée commencée" in response.content.decode()


def test_the_restitution_message_is_ready_made(client, day):
    event, _, _, organiser = day
    client.force_login(organiser)
    page = client.get(reverse("registrations_backoffice:mailings", args=[event.pk])
                      + "?modele=restitution").content.decode()
    assert f"Restitution de la journée « {event.title} »" in page
    assert f"/journees/{event.slug}/#restitution" in page


def test_the_signed_opt_out_link_of_a_message_stops_the_next_ones(
        client, day, smtp, django_capture_on_commit_callbacks):
    """The link and the one-click header of a non-essential message: opening it changes
    nothing (mail scanners open links), its button does; the next message skips that person,
    and practical information still reaches them."""
    import re

    from concertation.registrations.tokens import optout_url

    event, _, people, organiser = day
    client.force_login(organiser)
    url = reverse("registrations_backoffice:mailings", args=[event.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _form(audience="confirmed", confirm="1"))
    received = smtp.wait_to("alice@example.org", "Merci de votre venue")
    link = re.search(r"Pour ne plus en recevoir : (\S+)", received.text).group(1)
    assert received.message["List-Unsubscribe"] == f"<{link}>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link == optout_url(people["alice"])
    client.logout()
    path = link.removeprefix(settings_site_url())
    page = client.get(path).content.decode()
    assert "Ne plus recevoir les messages des organisateurs" in page
    people["alice"].refresh_from_db()
    assert people["alice"].consent_mailings is True
    # The mail program's one-click POST: no CSRF token.
    from django.test import Client

    done = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "C’est fait" in done.content.decode()
    people["alice"].refresh_from_db()
    assert people["alice"].consent_mailings is False
    assert mailings.recipients(event, "confirmed").filter(pk=people["alice"].pk).count() == 0
    assert mailings.recipients(event, "confirmed", essential=True).filter(
        pk=people["alice"].pk).exists()
    # An essential message carries no such link.
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _form(audience="confirmed", essential="on", confirm="1",
                               subject="Changement de salle"))
    practical = smtp.wait_to("alice@example.org", "Changement de salle")
    assert practical.message["List-Unsubscribe"] is None
    assert "ne plus en recevoir" not in practical.text
    assert client.get(reverse("registrations:optout", args=["pas-un-lien"])).status_code == 404


def settings_site_url() -> str:
    from django.conf import settings

    return settings.SITE_URL
