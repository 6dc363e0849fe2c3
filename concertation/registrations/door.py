"""What the door's devices send, checked for form before `services.sync_door` applies it:
one arrival (a registration's code) or one walk-in (who came without registering), each
under the UUID the device gave it. The walk-in form is also the page's own form, posted
without JavaScript."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone

from concertation.core.forms import DsfrFormMixin
from concertation.events.models import Event
from concertation.registrations.models import CODE_ALPHABET, DoorSync
from concertation.registrations.services import DoorItem

# One request carries at most this many: a device sends its queue in batches.
MAX_ITEMS = 200


class WalkInForm(DsfrFormMixin, forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    organisation = forms.CharField(label="Organisme (facultatif)", max_length=200,
                                   required=False)
    college = forms.ChoiceField(label="Collège")
    email = forms.EmailField(label="Adresse électronique (facultatif)", required=False,
                             help_text="Pour recevoir le lien personnel de l’inscription.")
    consent = forms.BooleanField(
        label="La personne accepte le traitement de ses données pour organiser cette journée.",
        error_messages={"required": "Sans l’accord de la personne, elle ne peut pas être "
                                    "inscrite : cochez la case une fois son accord obtenu."})

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["college"].choices = [("", "Choisir un collège")] + list(
            event.campaign.college_choices)
        self.fields["college"].error_messages["invalid_choice"] = (
            "Choisissez le collège dans la liste.")
        for name, field in self.fields.items():
            field.error_messages.setdefault("required", f"Indiquez : {field.label.lower()}.")
            if name in ("first_name", "last_name"):
                field.error_messages["required"] = f"Indiquez le {field.label.lower()}."
        self.fields["email"].error_messages["invalid"] = (
            "Adresse électronique invalide (exemple : nom@domaine.fr).")

    def item(self, client_id: uuid.UUID, device_at=None, offline: bool = False) -> DoorItem:
        data = self.cleaned_data
        return DoorItem(client_id=client_id, kind=DoorSync.Kind.WALK_IN,
                        device_at=device_at or timezone.now(), offline=offline,
                        first_name=data["first_name"].strip(),
                        last_name=data["last_name"].strip(),
                        organisation=data["organisation"].strip(), college=data["college"],
                        email=data["email"].strip().lower())


class _ItemForm(forms.Form):
    client_id = forms.UUIDField()
    kind = forms.ChoiceField(choices=DoorSync.Kind.choices)
    device_at = forms.DateTimeField()
    offline = forms.BooleanField(required=False)
    code = forms.CharField(max_length=8, required=False)

    def clean_device_at(self):
        value = self.cleaned_data["device_at"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if self.data.get("kind") == DoorSync.Kind.CHECK_IN and (
                len(code) != 8 or any(c not in CODE_ALPHABET for c in code)):
            raise forms.ValidationError("Code d’inscription invalide : 8 lettres et chiffres.")
        return code


def parse_items(payload: object, event: Event) -> tuple[list[DoorItem], list[dict]]:
    """The items of a sync request that are well formed, and an answer for each that is not
    (sent back as refused, with why: the device keeps what was typed and shows it)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise ValueError("Requête illisible : une liste « items » est attendue.")
    raw = payload["items"]
    if len(raw) > MAX_ITEMS:
        raise ValueError(f"Trop d’éléments en une fois : {MAX_ITEMS} au plus.")
    items, refused = [], []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValueError("Requête illisible : chaque élément doit être un objet.")
        data = {key: value for key, value in entry.items() if isinstance(value, (str, bool))}
        if data.get("offline") is False:
            data.pop("offline")
        form = _ItemForm(data)
        if not form.is_valid():
            refused.append(_refusal(entry, form))
            continue
        head = form.cleaned_data
        if head["kind"] == DoorSync.Kind.WALK_IN:
            walk_in = WalkInForm({**data, "consent": data.get("consent") in (True, "on", "1")},
                                 event=event)
            if not walk_in.is_valid():
                refused.append(_refusal(entry, walk_in))
                continue
            items.append(walk_in.item(head["client_id"], head["device_at"], head["offline"]))
        else:
            items.append(DoorItem(client_id=head["client_id"], kind=head["kind"],
                                  device_at=head["device_at"], offline=head["offline"],
                                  code=head["code"]))
    return items, refused


def _refusal(entry: dict, form: forms.Form) -> dict:
    message = " ".join(" ".join(errors) for errors in form.errors.values())
    return {"client_id": str(entry.get("client_id", ""))[:40], "outcome": "invalid",
            "message": message, "code": "", "checked_in_at": None}
