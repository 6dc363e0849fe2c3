"""The sign-up form shares its fields between forms of one day's layout: what differs from one
form to the next must still differ, and a change of layout must show."""

import pytest

from concertation.registrations.forms import RegistrationForm, SecretariatRegistrationForm
from tests.factories import EventFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    day = EventFactory(open=True, capacity=90)
    WorkshopFactory(event=day, title="Santé mentale", capacity=2)
    WorkshopFactory(event=day, title="Accès aux soins", capacity=45)
    return day


def _choices(form) -> list[str]:
    return [label for _, label in form.fields["slot_0"].choices]


def test_each_form_has_its_own_submission_token(day):
    first, second = RegistrationForm(event=day), RegistrationForm(event=day)
    assert first["submission_token"].value() != second["submission_token"].value()
    assert first.fields["college"] is second.fields["college"]  # built once for the layout


def test_the_seats_left_and_the_workshops_are_those_of_the_request(day):
    workshops = list(day.workshops.order_by("position", "pk"))
    assert _choices(RegistrationForm(event=day))[0] == "Santé mentale — 2 places restantes"
    workshops[0].seats_taken = 2
    form = RegistrationForm(event=day, workshops=workshops)
    assert _choices(form)[0] == "Santé mentale — complet : liste d’attente"
    form = RegistrationForm({"slot_0": str(workshops[0].pk)}, event=day, workshops=workshops)
    form.is_valid()
    assert form.chosen_workshops()[0] is workshops[0]  # the rows read by this request


def test_a_new_question_or_college_list_shows_at_once(day):
    before = RegistrationForm(event=day)
    day.questions.create(label="Besoin d’un repas ?", required=True, position=0)
    day.campaign.colleges = [["usager", "Usagers"], ["autre", "Autre"]]
    day.campaign.save()
    day.refresh_from_db()
    after = RegistrationForm(event=day)
    assert not any(name.startswith("question_") for name in before.fields)
    assert [f.label for name, f in after.fields.items() if name.startswith("question_")] == [
        "Besoin d’un repas ?"]
    assert after.fields["college"].choices == [("usager", "Usagers"), ("autre", "Autre")]


def test_secretariat_form_keeps_its_own_fields(day):
    public, secretariat = RegistrationForm(event=day), SecretariatRegistrationForm(event=day)
    assert public.fields["email"].required and not secretariat.fields["email"].required
    assert "phone" in secretariat.fields and "phone" not in public.fields
    assert public.fields["email"].label == "Adresse électronique"
