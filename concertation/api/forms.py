from __future__ import annotations

from django import forms

from concertation.api.models import WebhookEvent
from concertation.core.forms import DsfrFormMixin


class TokenForm(DsfrFormMixin, forms.Form):
    name = forms.CharField(label="Nom du jeton", max_length=100,
                           help_text="L’outil qui l’utilisera, par exemple « Logiciel "
                                     "d’accueil du CTS ».")


class WebhookForm(DsfrFormMixin, forms.Form):
    url = forms.URLField(label="Adresse de réception", max_length=500, assume_scheme="https",
                         help_text="L’adresse https de votre outil qui recevra les événements "
                                   "(requête POST en JSON).")
    events = forms.MultipleChoiceField(label="Événements", widget=forms.CheckboxSelectMultiple,
                                       choices=WebhookEvent.choices)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Adresse http ou https attendue.")
        return url
