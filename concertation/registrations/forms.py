from __future__ import annotations

import secrets
from collections.abc import Sequence
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError

from concertation.core.forms import DsfrFormMixin
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


class WorkshopChoiceMixin:
    """One radio group per time slot, named slot_0, slot_1…"""

    def add_workshop_fields(self, event: Event, initial=(), workshops=None) -> None:
        self.slots = workshop_slots(event, workshops)
        chosen = {w.pk for w in initial}
        for i, slot in enumerate(self.slots):
            choices = []
            for w in slot:
                left = max(w.capacity - w.seats_taken, 0)
                note = f"{left} place{'s' if left > 1 else ''} restante{'s' if left > 1 else ''}"
                if left == 0:
                    note = "complet : liste d’attente"
                choices.append((str(w.pk), f"{w.title} — {note}"))
            self.fields[f"slot_{i}"] = forms.ChoiceField(
                label=_slot_label(slot) if len(self.slots) > 1 else "Atelier choisi",
                choices=choices, widget=forms.RadioSelect,
                initial=next((str(w.pk) for w in slot if w.pk in chosen), None),
                error_messages={"required": "Choisissez un atelier.",
                                "invalid_choice": "Cet atelier n’appartient pas à cette journée."},
            )

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
        label="Besoins d’accessibilité (facultatif)", required=False,
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
    website = forms.CharField(label="Ne pas remplir ce champ", required=False)
    submission_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, event: Event, email_required=True, workshops=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["college"].choices = event.campaign.college_choices
        self.fields["college"].error_messages["required"] = "Choisissez votre collège."
        self.fields["email"].required = email_required
        self.fields["submission_token"].initial = secrets.token_urlsafe(24)
        self.add_workshop_fields(event, workshops=workshops)
        # `has_questions`, when the caller annotated it, spares a query for most days.
        self.questions = (list(event.questions.all()) if getattr(event, "has_questions", True)
                          else [])
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=question.label, required=question.required, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, email_required=False, **kwargs)
        self.fields["email"].label = "Adresse électronique (facultatif)"
        self.fields["consent_processing"].label = (
            "La personne a accepté le traitement de ses données pour organiser cette journée."
        )

    def applicant(self) -> Applicant:
        applicant = super().applicant()
        applicant.phone = self.cleaned_data["phone"]
        return applicant


class ChangeWorkshopsForm(WorkshopChoiceMixin, DsfrFormMixin, forms.Form):
    def __init__(self, *args, event: Event, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_workshop_fields(event, initial=current)


class ResendForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(label="Adresse électronique")
