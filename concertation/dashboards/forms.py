from __future__ import annotations

from django import forms

from concertation.campaigns.models import Campaign, Theme
from concertation.core.forms import DsfrFormMixin
from concertation.dashboards.figures import MEASURES, Filters


class DashboardForm(DsfrFormMixin, forms.Form):
    """The dashboard's filters. Unknown values are reported and ignored, never a 500."""

    campagne = forms.ModelChoiceField(Campaign.objects.all(), required=False, label="Campagne",
                                      empty_label="Toutes les campagnes")
    theme = forms.ModelChoiceField(Theme.objects.select_related("campaign"), required=False,
                                   label="Thème", empty_label="Tous les thèmes")
    mesure = forms.ChoiceField(choices=[(m.code, m.label) for m in MEASURES.values()],
                               required=False, label="Mesure cartographiée")
    echelle = forms.ChoiceField(choices=[("region", "Par région"),
                                         ("departement", "Par département")],
                                required=False, label="Échelle de la carte")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].label_from_instance = lambda t: f"{t.title} ({t.campaign.title})"

    def value(self, name: str, default=None):
        data = getattr(self, "cleaned_data", {})
        return data.get(name) or default

    def filters(self, scope=None) -> Filters:
        return Filters(campaign=self.value("campagne"), theme=self.value("theme"), scope=scope)
