"""The organiser's screen where a day's workshops get their facilitators."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.contributions import facilitation as service
from concertation.contributions.models import Facilitation
from concertation.core.forms import DsfrFormMixin, model_field
from concertation.events.models import Workshop
from concertation.events.views.backoffice import _get_event_for_user


class FacilitatorForm(DsfrFormMixin, forms.Form):
    workshop = forms.ModelChoiceField(Workshop.objects.none(), label="Atelier",
                                      empty_label=None)
    email = forms.EmailField(label="Adresse électronique de l’animateur", max_length=254,
                             help_text="Format attendu : nom@domaine.fr",
                             error_messages={"invalid": "Saisissez une adresse électronique "
                                                        "valide, par exemple nom@domaine.fr."})
    first_name = forms.CharField(label="Prénom (facultatif)", max_length=150, required=False)
    last_name = forms.CharField(label="Nom (facultatif)", max_length=150, required=False)

    def __init__(self, *args, event, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_field(self, "workshop").queryset = event.workshops.all()


@organiser_required
def facilitators(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = FacilitatorForm(request.POST or None, event=event)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assigned, created = service.assign(
                    scope=request.scope, workshop=data["workshop"], email=data["email"],
                    first_name=data["first_name"], last_name=data["last_name"])
            except service.FacilitationError as exc:
                form.add_error("email", exc.messages[0])
            else:
                if created:
                    messages.success(request, f"{assigned.user.email} anime désormais "
                                              f"« {assigned.workshop.title} » : un courriel "
                                              "lui dit comment se connecter.")
                else:
                    messages.info(request, f"{assigned.user.email} anime déjà cet atelier.")
                return redirect("contributions_backoffice:facilitators", pk=event.pk)
        status = 400
    workshops = event.workshops.prefetch_related(Prefetch(
        "facilitations", queryset=Facilitation.objects.select_related("user").order_by("id")))
    return render(request, "contributions/organiser/facilitators.html",
                  {"event": event, "form": form, "workshops": workshops}, status=status)


@require_POST
@organiser_required
def remove_facilitator(request: ScopedRequest, pk: int, facilitation_pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    facilitation = get_object_or_404(Facilitation.objects.select_related("user", "workshop"),
                                     pk=facilitation_pk, workshop__event=event)
    service.remove(scope=request.scope, facilitation=facilitation)
    messages.success(request, f"{facilitation.user.email or facilitation.user.get_username()} "
                              f"n’anime plus « {facilitation.workshop.title} ».")
    return redirect("contributions_backoffice:facilitators", pk=event.pk)
