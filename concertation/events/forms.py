from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory

from concertation.accounts.scope import Scope
from concertation.campaigns.models import Campaign, Theme
from concertation.core.forms import DsfrFormMixin, model_field
from concertation.events.models import Event, Talk, Workshop
from concertation.territories.models import Department, HealthTerritory, Region


class AgendaFilterForm(DsfrFormMixin, forms.Form):
    """The agenda's filters. Unknown values are reported and ignored, never a 500."""

    region = forms.ModelChoiceField(
        Region.objects.all(), required=False, to_field_name="code", label="Région",
        empty_label="Toutes les régions",
    )
    department = forms.ModelChoiceField(
        Department.objects.all(), required=False, to_field_name="code", label="Département",
        empty_label="Tous les départements",
    )
    theme = forms.ModelChoiceField(
        Theme.objects.select_related("campaign"), required=False, label="Thème",
        empty_label="Tous les thèmes",
    )
    start = forms.DateField(
        required=False, label="Du", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="Au", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].label_from_instance = lambda t: f"{t.title} ({t.campaign.title})"
        self.fields["department"].label_from_instance = lambda d: f"{d.code} — {d.name}"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("La date de fin de période précède sa date de début.")
        return data

    def filter(self, events):
        # Filters that validated apply even when another one did not.
        data = getattr(self, "cleaned_data", {})
        if data.get("region"):
            events = events.filter(department__region=data["region"])
        if data.get("department"):
            events = events.filter(department=data["department"])
        if data.get("theme"):
            # A subquery rather than a join: no duplicate rows, so no DISTINCT over every column.
            tagged = Event.themes.through.objects.filter(theme=data["theme"]).values("event_id")
            events = events.filter(pk__in=tagged)
        if data.get("start") and "end" not in self.errors and "__all__" not in self.errors:
            events = events.filter(date__gte=data["start"])
        if data.get("end") and "__all__" not in self.errors:
            events = events.filter(date__lte=data["end"])
        return events


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EventForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "campaign", "kind", "title", "summary", "themes", "department", "health_territory",
            "co_organisers", "date", "starts_at", "ends_at", "venue_name", "venue_address",
            "venue_postcode", "venue_city", "is_public", "capacity", "waitlist_offer_hours",
            "registration_url",
            "plenary_title", "plenary_description",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": _time_input(),
            "ends_at": _time_input(),
            "themes": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "co_organisers": forms.Textarea(attrs={"rows": 3}),
            "plenary_description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        model_field(self, "department").queryset = scope.departments()
        model_field(self, "health_territory").queryset = scope.health_territories()
        model_field(self, "campaign").queryset = Campaign.objects.all()
        model_field(self, "themes").queryset = Theme.objects.select_related("campaign")
        model_field(self, "themes").label_from_instance = (
            lambda t: f"{t.title} ({t.campaign.title})")
        self.fields["department"].error_messages["invalid_choice"] = (
            "Territoire inconnu ou hors de votre périmètre."
        )
        self.fields["health_territory"].error_messages["invalid_choice"] = (
            "Territoire inconnu ou hors de votre périmètre."
        )

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity <= 0:
            raise ValidationError("Le nombre de places doit être positif.")
        return capacity

    def clean_venue_postcode(self):
        value = self.cleaned_data["venue_postcode"].strip()
        if not (len(value) == 5 and value.isdigit()):
            raise ValidationError("Le code postal doit comporter 5 chiffres.")
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "L’heure de fin doit être postérieure à l’heure de début.")
        territory, department = data.get("health_territory"), data.get("department")
        if territory and department and not territory.departments.filter(pk=department.pk).exists():
            self.add_error(
                "health_territory", "Ce territoire de santé ne couvre pas le département choisi."
            )
        if department and not self.scope.can_use_territory(territory, department):
            self.add_error(
                "health_territory",
                "Choisissez votre territoire de santé : vous n’organisez que dans celui-ci.",
            )
        campaign, themes = data.get("campaign"), data.get("themes")
        if campaign and themes and any(t.campaign_id != campaign.pk for t in themes):
            self.add_error("themes", "Choisissez des thèmes de la concertation sélectionnée.")
        return data


class DuplicateForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label="Titre des nouvelles journées", max_length=200)
    date = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    territories = forms.ModelMultipleChoiceField(
        HealthTerritory.objects.none(),
        label="Territoires de santé",
        widget=forms.CheckboxSelectMultiple,
        help_text="Une journée en brouillon sera créée dans chaque territoire coché.",
        error_messages={"required": "Cochez au moins un territoire."},
    )

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "territories").queryset = scope.health_territories().prefetch_related(
            "departments"
        )


class TransitionForm(DsfrFormMixin, forms.Form):
    target = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label="Motif", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DocumentForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label="Titre du document", max_length=200)
    file = forms.FileField(label="Fichier PDF", help_text="PDF uniquement, 10 Mo au plus.")

    def __init__(self, *args, max_size: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_size = max_size

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_size:
            raise ValidationError(
                "Le fichier dépasse la taille maximale de %(max)s Mo.",
                params={"max": self.max_size // (1024 * 1024)},
            )
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-" or not upload.name.lower().endswith(".pdf"):
            raise ValidationError("Seuls les fichiers PDF sont acceptés.")
        return upload


class TalkForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Talk
        fields = ["position", "starts_at", "title", "speakers"]
        widgets = {"starts_at": _time_input()}


class WorkshopForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["position", "title", "theme", "description", "capacity", "starts_at", "ends_at"]
        widgets = {
            "starts_at": _time_input(),
            "ends_at": _time_input(),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capacity"].error_messages["min_value"] = (
            "Le nombre de places doit être positif."
        )
        self.fields["capacity"].widget.attrs["min"] = 1

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity is not None and capacity <= 0:
            raise ValidationError("Le nombre de places doit être positif.")
        return capacity

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "L’heure de fin doit être postérieure à l’heure de début.")
        return data


class _ProgrammeFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.event = self.instance
        if isinstance(form, WorkshopForm):
            field = form.fields["theme"]
            field.queryset = Theme.objects.filter(campaign_id=self.instance.campaign_id)
            # The themes are read once for the whole formset, not once per workshop's select
            # (an N+1 the query-count pins found: tests/test_query_counts.py).
            if getattr(self, "_theme_choices", None) is None:
                self._theme_choices = list(field.choices)
            field.widget.choices = self._theme_choices
        return form


TalkFormSet = inlineformset_factory(
    Event, Talk, form=TalkForm, formset=_ProgrammeFormSet, extra=1, can_delete=True
)
WorkshopFormSet = inlineformset_factory(
    Event, Workshop, form=WorkshopForm, formset=_ProgrammeFormSet, extra=1, can_delete=True
)
