"""The sign-up form shares its fields between forms of one day's layout: what differs from one
form to the next must still differ, and a change of layout must show."""

import pytest
from django import forms

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
    assert list(after.fields["college"].choices) == [("usager", "Usagers"), ("autre", "Autre")]


def test_secretariat_form_keeps_its_own_fields(day):
    public, secretariat = RegistrationForm(event=day), SecretariatRegistrationForm(event=day)
    assert public.fields["email"].required and not secretariat.fields["email"].required
    assert "phone" in secretariat.fields and "phone" not in public.fields
    assert public.fields["email"].label == "Adresse électronique"


@pytest.mark.parametrize("change", [
    lambda f: setattr(f.fields["college"], "required", False),
    lambda f: setattr(f.fields["email"], "label", "Autre"),
    lambda f: f.fields["college"].error_messages.update(required="Autre message"),
    lambda f: setattr(f.fields["slot_0"], "choices", [("1", "Un")]),
    lambda f: f.fields["website"].widget.attrs.update(tabindex="0"),
    lambda f: setattr(f.fields["first_name"].widget, "is_required", False),
    lambda f: delattr(f.fields["last_name"], "max_length"),
], ids=["required", "label", "error message", "choices", "widget attrs", "widget", "delete"])
def test_a_change_to_a_shared_field_raises_and_leaves_the_other_forms_as_they_were(day, change):
    form, other = RegistrationForm(event=day), SecretariatRegistrationForm(event=day)
    with pytest.raises((AttributeError, TypeError)):
        change(form)
    again = RegistrationForm(event=day)
    assert again.fields["college"].required and again.fields["email"].label == (
        "Adresse électronique")
    assert again.fields["website"].widget.attrs["tabindex"] == "-1"
    assert again.fields["college"].error_messages["required"] == "Choisissez votre collège."
    assert len(again.fields["slot_0"].choices) == 2 and other.fields["email"].label == (
        "Adresse électronique (facultatif)")


def test_a_form_may_still_add_a_field_of_its_own(day):
    form = RegistrationForm(event=day)
    form.fields["extra"] = forms.CharField(label="En plus")
    assert "extra" not in RegistrationForm(event=day).fields
