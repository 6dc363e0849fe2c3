"""Organiser pages: launch an analysis, follow its progress, browse groups and the opinion map."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.accounts.scope import Scope
from concertation.analysis_runs import services
from concertation.analysis_runs.models import AnalysisRun
from concertation.campaigns.models import Campaign, Theme
from concertation.contributions.models import Contribution
from concertation.core.forms import DsfrFormMixin, model_field
from concertation.events.models import Event
from concertation.territories.models import HealthTerritory, Region

# Colour of each opinion group on the map (design system illustrative colours).
GROUP_COLOURS = ["#000091", "#c9191e", "#18753c", "#b34000", "#6e445a", "#666666"]
MAP_SIZE = 400


class LaunchForm(DsfrFormMixin, forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.all(), label="Concertation",
                                      empty_label=None)
    region = forms.ModelChoiceField(Region.objects.all(), required=False, label="Région",
                                    empty_label="Toutes")
    health_territory = forms.ModelChoiceField(HealthTerritory.objects.all(), required=False,
                                              label="Territoire", empty_label="Tous")
    event = forms.ModelChoiceField(Event.objects.exclude(state="draft"), required=False,
                                   label="Journée", empty_label="Toutes")
    theme = forms.ModelChoiceField(Theme.objects.select_related("campaign"), required=False,
                                   label="Thème", empty_label="Tous")
    groups = forms.IntegerField(label="Nombre de groupes (facultatif)", required=False,
                                min_value=2, max_value=300,
                                help_text="Laisser vide : le moteur choisit.")
    seed = forms.IntegerField(label="Graine", initial=0, min_value=0, max_value=2**31 - 1,
                              help_text="Même graine, mêmes données : même résultat.")

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the places of the organiser's scope are offered (and accepted).
        model_field(self, "region").queryset = Region.objects.filter(pk__in=scope.region_ids) \
            if not scope.everything else Region.objects.all()
        if not scope.everything:
            model_field(self, "region").empty_label = "Choisir" if scope.region_ids else "—"
        model_field(self, "health_territory").queryset = scope.health_territories()
        model_field(self, "event").queryset = Event.objects.within(scope).exclude(state="draft")


@organiser_required
def index(request: ScopedRequest) -> HttpResponse:
    form = LaunchForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.start(scope=request.scope, user=request.user,
                                 campaign=data["campaign"],
                                 event=data["event"], region=data["region"],
                                 health_territory=data["health_territory"], theme=data["theme"],
                                 groups=data["groups"], seed=data["seed"] or 0)
        except (services.AnalysisError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("analysis_runs:detail", pk=run.pk)
    runs = AnalysisRun.objects.within(request.scope).select_related(
        "campaign", "region", "event")[:30]
    return render(request, "analysis_runs/index.html", {"form": form, "runs": runs})


def _map(opinions: dict | None) -> list[dict]:
    if not opinions or "participants" not in opinions:
        return []
    points = opinions["participants"]
    if not points:
        return []
    xs, ys = [p["x"] for p in points], [p["y"] for p in points]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    margin = 12
    inner = MAP_SIZE - 2 * margin
    return [{
        "x": round(margin + (p["x"] - min(xs)) / span_x * inner, 1),
        "y": round(margin + (p["y"] - min(ys)) / span_y * inner, 1),
        "colour": GROUP_COLOURS[p["group"] % len(GROUP_COLOURS)] if p["group"] is not None
        else "#cecece",
        "group": p["group"],
    } for p in points]


@organiser_required
def detail(request: ScopedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(AnalysisRun.objects.within(request.scope).select_related("campaign"),
                            pk=pk)
    context: dict = {"run": run}
    if run.status == AnalysisRun.Status.DONE and run.result:
        wanted = set()
        for group in run.result["groups"]:
            wanted.update(group["representatives"])
        opinions = run.result.get("opinions") or {}
        for group in opinions.get("groups", []):
            wanted.update(r["comment"] for r in group["representatives"])
        wanted.update(c["comment"] for c in opinions.get("consensus", []))
        wanted.update(b["comment"] for b in opinions.get("bridging", []))
        wanted.update(opinions.get("all_colleges", []))
        texts = dict(Contribution.objects.filter(pk__in=wanted).values_list("pk", "text"))
        context.update(
            texts=texts, points=_map(opinions), map_size=MAP_SIZE, opinions=opinions,
            colours=GROUP_COLOURS,
            groups=sorted(run.result["groups"], key=lambda g: (g["other"], -g["size"])),
        )
    template = ("analysis_runs/_progress.html" if request.htmx and not run.finished
                else "analysis_runs/detail.html")
    if request.htmx and run.finished:
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # show the results page once done
        return response
    return render(request, template, context)


@require_POST
@organiser_required
def cancel(request: ScopedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(AnalysisRun.objects.within(request.scope), pk=pk)
    if services.cancel(scope=request.scope, run=run):
        messages.success(request, "L’analyse est annulée.")
    else:
        messages.error(request, "Cette analyse est déjà terminée.")
    return redirect("analysis_runs:detail", pk=run.pk)
