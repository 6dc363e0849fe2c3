"""« Badges » : an organiser of the day chooses a label sheet and whose badges to print (all,
a workshop, the walk-ins of the morning) and downloads the PDF. A GET form: printing changes
nothing but the export log."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.core.forms import DsfrFormMixin, choice_field
from concertation.events.models import Event
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations import badges, exports


class BadgeForm(DsfrFormMixin, forms.Form):
    layout = forms.ChoiceField(label="Format", widget=forms.RadioSelect, initial="a4-2x7",
                               choices=[(k, v.label) for k, v in badges.LAYOUTS.items()])
    who = forms.ChoiceField(label="Badges de", widget=forms.RadioSelect,
                            initial=badges.Who.ALL, choices=badges.Who.CHOICES)
    workshop = forms.TypedChoiceField(label="Atelier (pour « Les inscrits d’un atelier »)",
                                      coerce=int, required=False, empty_value=None)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        choice_field(self, "workshop").choices = [("", "—")] + [
            (w.pk, w.title) for w in event.workshops.all()]

    def clean(self):
        data = super().clean()
        workshop_pk = data.get("workshop")
        data["workshop"] = (self.event.workshops.filter(pk=workshop_pk).first()
                            if workshop_pk else None)
        if data.get("who") == badges.Who.WORKSHOP and data["workshop"] is None:
            self.add_error("workshop", "Choisissez l’atelier dont vous imprimez les badges.")
        return data


@organiser_required
def badge_sheet(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = BadgeForm(request.GET if "layout" in request.GET else None, event=event)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        workshop = data["workshop"] if data["who"] == badges.Who.WORKSHOP else None
        people = list(badges.selection(event, data["who"], workshop))
        if people:
            exports.log_export(user=request.user, event=event, what="Badges (PDF)",
                               rows=len(people), filename=f"badges-{event.slug}.pdf")
            pdf = badges.badges_pdf(event, people, badges.LAYOUTS[data["layout"]], workshop)
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="badges-{event.slug}.pdf"'
            return response
        form.add_error(None, "Personne ne correspond à ce choix : aucun badge à imprimer. "
                             "Choisissez d’autres personnes.")
    return render(request, "registrations/organiser/badges.html", {
        "event": event, "form": form,
        "colleges": [(label, badges.college_index(event, code))
                     for code, label in event.campaign.college_choices],
    }, status=400 if form.errors else 200)
