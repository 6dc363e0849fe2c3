from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError

from concertation.core.forms import DsfrFormMixin, dsfr_classes, freeze
from concertation.events.models import Event, Workshop
from concertation.registrations.services import Applicant


def _slot_label(workshops: list[Workshop]) -> str:
    start = workshops[0].starts_at
    return f"Atelier ({start:%H:%M})" if start else "Atelier"


def workshop_slots(event: Event, workshops: Sequence[Workshop] | None = None
                   ) -> list[list[Workshop]]:
    """Workshops (the day's, unless given) grouped by start time: one choice per group."""
    workshops = sorted(event.workshops.all() if workshops is None else workshops,
                       key=lambda w: (str(w.starts_at or ""), w.position))
    return [list(group) for _, group in groupby(workshops, key=lambda w: w.starts_at)]


def _slot_choices(slots: list[list[Workshop]]) -> tuple:
    """Per slot, its label and its choices (the seats left in each workshop's label)."""
    layout = []
    for slot in slots:
        choices = []
        for w in slot:
            left = max(w.capacity - w.seats_taken, 0)
            note = f"{left} place{'s' if left > 1 else ''} restante{'s' if left > 1 else ''}"
            if left == 0:
                note = "complet : liste d’attente"
            choices.append((str(w.pk), f"{w.title} — {note}"))
        label = _slot_label(slot) if len(slots) > 1 else "Atelier choisi"
        layout.append((label, tuple(choices)))
    return tuple(layout)


def _slot_field(label: str, choices: Sequence[tuple[str, str]], initial=None) -> forms.Field:
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, initial=initial,
        error_messages={"required": "Choisissez un atelier.",
                        "invalid_choice": "Cet atelier n’appartient pas à cette journée."},
    )


class WorkshopChoiceMixin:
    """One radio group per time slot, named slot_0, slot_1…"""

    def add_workshop_fields(self, event: Event, initial=(), workshops=None) -> None:
        self.slots = workshop_slots(event, workshops)
        chosen = {w.pk for w in initial}
        for i, (slot, (label, choices)) in enumerate(zip(self.slots,
                                                          _slot_choices(self.slots),
                                                          strict=True)):
            self.fields[f"slot_{i}"] = _slot_field(
                label, choices, initial=next((str(w.pk) for w in slot if w.pk in chosen), None))

    def slot_fields(self):
        return [self[f"slot_{i}"] for i in range(len(self.slots))]

    def chosen_workshops(self) -> list[Workshop]:
        by_id = {str(w.pk): w for slot in self.slots for w in slot}
        return [by_id[self.cleaned_data[f"slot_{i}"]] for i in range(len(self.slots))]


class RegistrationForm(WorkshopChoiceMixin, DsfrFormMixin, forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    email = forms.EmailField(
        label="Adresse électronique", help_text="Format attendu : nom@domaine.fr",
        error_messages={"invalid": "Saisissez une adresse électronique valide, "
                                   "par exemple nom@domaine.fr."},
    )
    organisation = forms.CharField(label="Organisme (facultatif)", max_length=200,
                                   required=False)
    college = forms.ChoiceField(label="Collège", widget=forms.RadioSelect)
    accessibility_needs = forms.CharField(
        label="Besoins d’accessibilité (facultatif)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : accès en fauteuil, boucle magnétique, interprète LSF.",
    )
    consent_processing = forms.BooleanField(
        label="J’accepte que mes données soient traitées pour organiser cette journée "
              "(voir la notice ci-dessous).",
        error_messages={"required": "Votre accord est nécessaire pour vous inscrire."},
    )
    consent_mailings = forms.BooleanField(
        label="Je souhaite être informé(e) des prochaines concertations.", required=False
    )
    consent_public_name = forms.BooleanField(
        label="J’accepte que mon nom apparaisse dans les comptes rendus publics.", required=False
    )
    # Left empty by people; filled by robots that fill every field.
    website = forms.CharField(label="Ne pas remplir ce champ", required=False, max_length=200)
    # Bounded by its column (64): a longer one failed in the database (a 500 on PostgreSQL).
    submission_token = forms.CharField(
        widget=forms.HiddenInput, max_length=64,
        error_messages={"max_length": "Le formulaire a expiré ou a été modifié : rechargez la "
                                      "page et recommencez.",
                        "required": "Le formulaire a expiré ou a été modifié : rechargez la "
                                    "page et recommencez."})

    email_required = True

    def __init__(self, *args, event: Event, workshops=None, **kwargs):
        kwargs["initial"] = {"submission_token": secrets.token_urlsafe(24)} | (
            kwargs.get("initial") or {})
        # The fields are built once per layout of day and process (`_fields`) and shared,
        # instead of deep-copied from the declared ones on every request: that copy cost
        # 0.55 ms of a sign-up's 6.6 ms of CPU (bench/signup.py). So nothing may change a
        # field of a form once built, and they are frozen (`core.forms.freeze`: a change
        # raises); what differs between forms of one layout (the submission token, the
        # workshop rows) is kept on the form.
        self.base_fields = {}
        super().__init__(*args, **kwargs)
        self.event = event
        self.slots = workshop_slots(event, workshops)
        # `has_questions`, when the caller annotated it, spares a query for most days.
        self.questions = (list(event.questions.all()) if getattr(event, "has_questions", True)
                          else [])
        self.fields = dict(_fields(
            type(self), tuple(event.campaign.college_choices), _slot_choices(self.slots),
            tuple((q.pk, q.label, q.required) for q in self.questions)))

    @classmethod
    def build_fields(cls, colleges: tuple, slots: tuple, questions: tuple
                     ) -> dict[str, forms.Field]:
        fields = copy.deepcopy(cls.base_fields)
        fields["college"].choices = colleges
        fields["college"].error_messages["required"] = "Choisissez votre collège."
        fields["email"].required = cls.email_required
        for i, (label, choices) in enumerate(slots):
            fields[f"slot_{i}"] = _slot_field(label, choices)
        for pk, label, required in questions:
            fields[f"question_{pk}"] = forms.CharField(
                label=label, required=required, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        dsfr_classes(fields.values())
        return fields

    def clean(self):
        data = super().clean()
        # An error on the hidden token would be shown nowhere: it becomes the form's.
        if "submission_token" in self._errors:
            self.add_error(None, self._errors.pop("submission_token"))
        return data

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError("Ce champ doit rester vide.")
        return ""

    def applicant(self) -> Applicant:
        data = self.cleaned_data
        return Applicant(
            first_name=data["first_name"], last_name=data["last_name"],
            email=data.get("email") or "", college=data["college"],
            organisation=data["organisation"], accessibility_needs=data["accessibility_needs"],
            consent_processing=data["consent_processing"],
            consent_mailings=data["consent_mailings"],
            consent_public_name=data["consent_public_name"],
            answers={q.pk: data.get(f"question_{q.pk}", "") for q in self.questions},
        )

    def question_fields(self):
        return [self[f"question_{q.pk}"] for q in self.questions]


class SecretariatRegistrationForm(RegistrationForm):
    """Sign-up taken by phone or on paper: e-mail optional, a phone number instead."""

    phone = forms.CharField(label="Téléphone (facultatif)", max_length=30, required=False)
    email_required = False

    @classmethod
    def build_fields(cls, *layout) -> dict[str, forms.Field]:
        fields = super().build_fields(*layout)
        fields["email"].label = "Adresse électronique (facultatif)"
        fields["consent_processing"].label = (
            "La personne a accepté le traitement de ses données pour organiser cette journée."
        )
        return fields

    def applicant(self) -> Applicant:
        applicant = super().applicant()
        applicant.phone = self.cleaned_data["phone"]
        return applicant


@lru_cache(maxsize=256)
def _fields(form_class: type[RegistrationForm], colleges: tuple, slots: tuple,
            questions: tuple) -> Mapping[str, forms.Field]:
    """The fields of a sign-up form for this layout: its campaign's colleges, its slots with
    their choices (labels included, as they tell the seats left) and its custom questions;
    shared by every form of that layout in the process, so frozen."""
    return freeze(form_class.build_fields(colleges, slots, questions))


class ChangeWorkshopsForm(WorkshopChoiceMixin, DsfrFormMixin, forms.Form):
    def __init__(self, *args, event: Event, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_workshop_fields(event, initial=current)


class ResendForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(label="Adresse électronique")
