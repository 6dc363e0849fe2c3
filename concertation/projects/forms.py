from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from concertation.accounts.scope import Scope
from concertation.campaigns.models import Theme
from concertation.core.downloads import basename
from concertation.core.forms import DsfrFormMixin, ProtectedFileInput, model_field
from concertation.projects import permissions
from concertation.projects.models import (
    Milestone,
    Programme,
    Project,
    ProjectState,
    ProjectUpdate,
)
from concertation.territories.models import HealthTerritory, Region

PUBLIC_STATE_CHOICES = [("", "Tous les états")] + [
    (s.value, s.label) for s in ProjectState if s != ProjectState.PROPOSED]


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectFilterForm(DsfrFormMixin, forms.Form):
    """The public list's filters. Unknown values are reported and ignored, never a 500."""

    region = forms.ModelChoiceField(Region.objects.all(), required=False, to_field_name="code",
                                    label="Région", empty_label="Toutes les régions")
    territoire = forms.ModelChoiceField(
        HealthTerritory.objects.all(), required=False, to_field_name="slug",
        label="Territoire de santé", empty_label="Tous les territoires")
    theme = forms.ModelChoiceField(Theme.objects.select_related("campaign"), required=False,
                                   label="Thème", empty_label="Tous les thèmes")
    etat = forms.ChoiceField(choices=PUBLIC_STATE_CHOICES, required=False, label="État")
    programme = forms.ModelChoiceField(Programme.objects.order_by("name"), required=False,
                                       to_field_name="slug", label="Pacte ou programme",
                                       empty_label="Tous les pactes et programmes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].label_from_instance = lambda t: f"{t.title} ({t.campaign.title})"

    def filter(self, projects):
        data = getattr(self, "cleaned_data", {})
        if data.get("region"):
            projects = projects.filter(region=data["region"])
        if data.get("territoire"):
            projects = projects.filter(health_territory=data["territoire"])
        if data.get("theme"):
            # A subquery rather than a join: no duplicate rows, no DISTINCT.
            tagged = Project.themes.through.objects.filter(theme=data["theme"]).values(
                "project_id")
            projects = projects.filter(pk__in=tagged)
        if data.get("etat"):
            projects = projects.filter(state=data["etat"])
        if data.get("programme"):
            projects = projects.filter(programme=data["programme"])
        return projects


class OriginChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ProjectForm(DsfrFormMixin, forms.ModelForm):
    origin_groups = OriginChoiceField(
        queryset=None, required=False, label="Propositions adoptées par la CRSA")
    origin_contributions = OriginChoiceField(
        queryset=None, required=False, label="Propositions validées et pistes de travail")

    class Meta:
        model = Project
        fields = [
            "title", "summary", "region", "health_territory", "themes", "programme",
            "label_name", "lead_organisation", "co_pilots", "partners", "governance",
            "created_on", "origin_groups", "origin_contributions",
        ]
        widgets = {
            "created_on": _date_input(),
            "themes": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "co_pilots": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.Textarea(attrs={"rows": 3}),
            "governance": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        model_field(self, "region").queryset = scope.regions()
        model_field(self, "health_territory").queryset = scope.health_territories()
        self.fields["health_territory"].help_text = (
            "Laisser vide pour un projet régional (géré par l’ARS).")
        model_field(self, "themes").queryset = Theme.objects.select_related("campaign")
        model_field(self, "themes").label_from_instance = (
            lambda t: f"{t.title} ({t.campaign.title})")
        model_field(self, "programme").queryset = Programme.objects.filter(
            region__in=scope.regions())
        groups = permissions.eligible_groups(scope).order_by("synthesis__title", "position")
        contributions = permissions.eligible_contributions(scope).order_by(
            "-event__date", "created_at")
        if self.instance.pk:
            # Origins already linked stay listed (and kept) even if their state moved on.
            groups = groups | self.instance.origin_groups.all()
            contributions = contributions | self.instance.origin_contributions.all()
        model_field(self, "origin_groups").queryset = groups.distinct()
        model_field(self, "origin_groups").label_from_instance = (
            lambda g: f"{g.title} — {g.synthesis.title} ({g.decision.get_outcome_display()})")
        model_field(self, "origin_contributions").queryset = (
            contributions.distinct().select_related("event"))
        model_field(self, "origin_contributions").label_from_instance = _contribution_label

    def clean(self):
        data = super().clean()
        territory, region = data.get("health_territory"), data.get("region")
        if territory and region and territory.region_id != region.pk:
            self.add_error("health_territory", "Ce territoire n’est pas dans la région choisie.")
        if not data.get("origin_groups") and not data.get("origin_contributions"):
            raise ValidationError(
                "Choisissez au moins une proposition adoptée ou une piste de travail à l’origine "
                "du projet.")
        return data


def _contribution_label(c) -> str:
    where = f"{c.event.title} du {c.event.date:%d/%m/%Y}" if c.event else "en ligne"
    text = c.title or c.text
    return f"{text[:150]} — {where} ({c.get_state_display().lower()})"


class TransitionForm(forms.Form):
    target = forms.CharField(max_length=30)
    reason = forms.CharField(max_length=2000, required=False)


class MilestoneForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "key", "description", "planned_date", "actual_date", "status",
                  "weight", "evidence_file", "evidence_url", "evidence_note"]
        widgets = {
            "planned_date": _date_input(),
            "actual_date": _date_input(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].help_text = ("Identifiant du jalon dans les feuilles d’import ; "
                                        "laissé vide, il est tiré de l’intitulé.")
        self.fields["evidence_file"].help_text = "PDF, 10 Mo au plus."
        # The link to the current evidence goes through its checked download view.
        widget = ProtectedFileInput(self._evidence_url, attrs=self.fields["evidence_file"]
                                    .widget.attrs)
        self.fields["evidence_file"].widget = widget

    def _evidence_url(self, file) -> str:
        milestone = self.instance
        return reverse("projects:evidence", args=[milestone.project.slug, milestone.pk,
                                                  basename(file.name)])

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload and hasattr(upload, "content_type"):
            if not upload.name.lower().endswith(".pdf"):
                raise ValidationError("Le justificatif doit être un fichier PDF.")
            if upload.size > settings.MAX_DOCUMENT_SIZE:
                raise ValidationError("Le fichier dépasse la taille maximale autorisée.")
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise ValidationError("Ce fichier n’est pas un PDF valide.")
        return upload


class UpdateForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = ProjectUpdate
        fields = ["published_on", "title", "text"]
        widgets = {"published_on": _date_input(), "text": forms.Textarea(attrs={"rows": 5})}


class ImportForm(DsfrFormMixin, forms.Form):
    sheet = forms.FileField(label="Feuille de jalons (CSV ou XLSX)",
                            help_text="Le fichier téléchargé ci-dessus, modifié.")

    def clean_sheet(self):
        upload = self.cleaned_data["sheet"]
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError("Le fichier dépasse 5 Mo.")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError("Format non reconnu : déposez un fichier .csv ou .xlsx.")
        return upload


class SubscribeForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(label="Votre adresse électronique", max_length=254)
    # A field people do not see: a robot filling it is ignored.
    website = forms.CharField(required=False, label="Site web (ne pas remplir)")
