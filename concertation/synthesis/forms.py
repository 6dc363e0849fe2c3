"""Back-office forms of the syntheses. Each editing form carries the revision it was read at
(optimistic locking); services check it."""

from __future__ import annotations

from django import forms

from concertation.accounts.scope import Scope
from concertation.analysis_runs.models import AnalysisRun
from concertation.campaigns.models import Campaign, Theme
from concertation.core.forms import DsfrFormMixin, model_field
from concertation.core.params import MAX_BIGINT, MAX_INT, int_list
from concertation.events.models import Event
from concertation.synthesis.models import Decision, Synthesis, SynthesisGroup

# Integer columns hold at most 2**31 - 1 on PostgreSQL; an unbounded form field let a typed
# 20-digit number reach the database and fail there (a 500).
MAX_VOTES = 10_000


class RevisionMixin(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INT)


class SynthesisForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    campaign = forms.ModelChoiceField(Campaign.objects.all(), label="Concertation",
                                      empty_label=None)
    level = forms.ChoiceField(label="Échelle", choices=Synthesis.Level.choices)
    event = forms.ModelChoiceField(Event.objects.none(), required=False, label="Journée",
                                   help_text="Pour une synthèse d’une journée.")
    health_territory = forms.ModelChoiceField(None, required=False, label="Territoire de santé",
                                              help_text="Pour une synthèse d’un territoire ou "
                                                        "d’un thème dans un territoire.")
    region = forms.ModelChoiceField(None, required=False, label="Région",
                                    help_text="Pour une synthèse régionale, nationale ou "
                                              "thématique dans la région.")
    theme = forms.ModelChoiceField(Theme.objects.select_related("campaign"), required=False,
                                   label="Thème", help_text="Pour une synthèse thématique.")
    source_run = forms.ModelChoiceField(
        AnalysisRun.objects.none(), required=False, label="Partir d’une analyse (facultatif)",
        help_text="Ses groupes deviennent des suggestions à retenir ou à écarter.")
    includes_online = forms.BooleanField(label="Inclure les contributions en ligne",
                                         required=False)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "event").queryset = scope.filter_events(
            Event.objects.exclude(state="draft").select_related("department")).order_by("date")
        model_field(self, "health_territory").queryset = scope.health_territories()
        model_field(self, "region").queryset = scope.regions()
        model_field(self, "source_run").queryset = AnalysisRun.objects.within(scope).filter(
            status=AnalysisRun.Status.DONE).select_related("campaign")


class ConsolidationForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    days = forms.ModelMultipleChoiceField(Event.objects.none(), label="Journées consolidées",
                                          widget=forms.CheckboxSelectMultiple)
    includes_online = forms.BooleanField(
        label="Inclure les contributions en ligne de la région", required=False, initial=True)
    validation_event = forms.ModelChoiceField(
        Event.objects.none(), required=False, label="Séance de validation avec la CRSA",
        help_text="La restitution régionale où la CRSA se prononce sur les propositions.")

    def __init__(self, *args, scope: Scope, campaign: Campaign, region, **kwargs):
        super().__init__(*args, **kwargs)
        in_region = scope.filter_events(Event.objects.filter(
            campaign=campaign, department__region=region).select_related("department"))
        model_field(self, "days").queryset = in_region.filter(
            kind=Event.Kind.CONSULTATION_DAY).exclude(state="draft").order_by("date", "id")
        model_field(self, "validation_event").queryset = in_region.filter(
            kind=Event.Kind.REGIONAL_RESTITUTION).order_by("date")
        model_field(self, "days").label_from_instance = (
            lambda e: f"{e.date:%d/%m/%Y} — {e.title}")


class ConsolidationScopeForm(DsfrFormMixin, forms.Form):
    """First step: the campaign and region whose days are listed."""

    campaign = forms.ModelChoiceField(Campaign.objects.all(), label="Concertation",
                                      empty_label=None)
    region = forms.ModelChoiceField(None, label="Région", empty_label=None)

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "region").queryset = scope.regions()


class DetailsForm(DsfrFormMixin, RevisionMixin):
    title = forms.CharField(label="Titre", max_length=200)
    introduction = forms.CharField(label="Contexte et méthode", required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}))
    validation_event = forms.ModelChoiceField(Event.objects.none(), required=False,
                                              label="Séance de validation avec la CRSA")

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "validation_event").queryset = scope.filter_events(
            Event.objects.filter(kind=Event.Kind.REGIONAL_RESTITUTION)).order_by("date")


class GroupForm(DsfrFormMixin, RevisionMixin):
    title = forms.CharField(label="Intitulé", max_length=200)
    kind = forms.ChoiceField(label="Nature", choices=SynthesisGroup.Kind.choices)
    theme = forms.ModelChoiceField(Theme.objects.none(), required=False,
                                   label="Thème national", empty_label="Aucun")
    text = forms.CharField(label="Texte de la proposition", required=False,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Le texte soumis à la CRSA puis transmis au ministère.")

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "theme").queryset = Theme.objects.filter(campaign=campaign)


class IdListField(forms.Field):
    """Ids ticked in a list. Which ids belong to the synthesis is the service's check."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids = int_list(value or [])
        if ids is None:
            raise forms.ValidationError("Sélection invalide : rechargez la page.")
        return ids


class SelectionForm(RevisionMixin):
    """Contributions (or groups) ticked in a list, and where they go."""

    selected = IdListField(required=False)
    target = forms.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    title = forms.CharField(required=False, max_length=200)


class DecisionForm(DsfrFormMixin, forms.Form):
    outcome = forms.ChoiceField(label="Décision de la CRSA", choices=Decision.Outcome.choices,
                                widget=forms.RadioSelect)
    votes_for = forms.IntegerField(label="Voix pour", min_value=0, max_value=MAX_VOTES)
    votes_against = forms.IntegerField(label="Voix contre", min_value=0, max_value=MAX_VOTES)
    abstentions = forms.IntegerField(label="Abstentions", min_value=0, max_value=MAX_VOTES)
    amended_text = forms.CharField(
        label="Texte amendé", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Obligatoire pour une proposition adoptée avec amendement.")
    note = forms.CharField(label="Observations (facultatif)", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("votes_for", "votes_against", "abstentions"):
            self.fields[name].error_messages["required"] = ("Indiquez le nombre de voix "
                                                            "(0 si aucune).")
            self.fields[name].error_messages["max_value"] = (
                f"{MAX_VOTES} voix au plus : vérifiez le nombre saisi.")
        self.fields["outcome"].error_messages["required"] = "Choisissez la décision."

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Decision.Outcome.AMENDED and not (
                data.get("amended_text") or "").strip():
            self.add_error("amended_text", "Saisissez le texte amendé.")
        return data


class DiffForm(forms.Form):
    de = forms.IntegerField(label="De la révision", min_value=1, max_value=MAX_INT)
    a = forms.IntegerField(label="À la révision", min_value=1, max_value=MAX_INT)
