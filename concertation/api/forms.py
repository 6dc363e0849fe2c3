from __future__ import annotations

from django import forms

from concertation.core.forms import DsfrFormMixin


class TokenForm(DsfrFormMixin, forms.Form):
    name = forms.CharField(label="Nom du jeton", max_length=100,
                           help_text="L’outil qui l’utilisera, par exemple « Logiciel "
                                     "d’accueil du CTS ».")
