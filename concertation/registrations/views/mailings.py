"""« Écrire aux inscrits »: an organiser of the day writes a message, chooses who receives it
and when, sees it as a recipient will, then sends or schedules it after that preview (the
confirmation step); the day's messages are listed with their recipients and what the outbox
did with them, a scheduled one can be cancelled until it leaves."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.core import confirm
from concertation.core.forms import DsfrFormMixin, choice_field
from concertation.core.params import int_param
from concertation.events.models import Event
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations.models import Mailing
from concertation.registrations.services import mailings as service
from concertation.registrations.tokens import manage_url, optout_url

Audience = Mailing.Audience
NOW, LATER = "now", "later"


class MailingForm(DsfrFormMixin, forms.Form):
    subject = forms.CharField(label="Objet", max_length=150)
    body = forms.CharField(label="Message", max_length=10_000, widget=forms.Textarea(
        attrs={"rows": 10}), help_text="Texte brut ; chaque destinataire reçoit aussi son lien "
        "personnel d’inscription.")
    audience = forms.ChoiceField(label="Destinataires", choices=Audience.choices,
                                 widget=forms.RadioSelect, initial=Audience.CONFIRMED)
    workshop = forms.TypedChoiceField(label="Atelier (pour « Les inscrits d’un atelier »)",
                                      coerce=int, required=False, empty_value=None)
    essential = forms.BooleanField(
        label="Information pratique sur la journée (horaires, lieu, accès)", required=False,
        help_text="Envoyée à tous les destinataires choisis. Sans cette case, le message ne "
        "part qu’aux personnes qui ont accepté les envois des organisateurs.")
    when = forms.ChoiceField(label="Envoi", widget=forms.RadioSelect, initial=NOW,
                             choices=[(NOW, "Maintenant"), (LATER, "À une date choisie")])
    send_date = forms.DateField(label="Date d’envoi", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    send_time = forms.TimeField(label="Heure d’envoi", required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        choice_field(self, "workshop").choices = [("", "—")] + [
            (w.pk, w.title) for w in event.workshops.all()]

    def clean(self):
        data = super().clean()
        if data.get("when") == LATER:
            if not data.get("send_date") or not data.get("send_time"):
                raise forms.ValidationError("Indiquez la date et l’heure de l’envoi.")
            data["send_at"] = timezone.make_aware(
                dt.datetime.combine(data["send_date"], data["send_time"]))
        else:
            data["send_at"] = None
        workshop_pk = data.get("workshop")
        data["workshop"] = (self.event.workshops.filter(pk=workshop_pk).first()
                            if workshop_pk else None)
        if "audience" in data:
            try:
                service.validate(self.event, audience=data["audience"],
                                 workshop=data["workshop"], send_at=data["send_at"],
                                 now=timezone.now())
            except service.MailingError as error:
                raise forms.ValidationError(error.messages[0]) from None
        return data


def _prefill(event: Event, request: HttpRequest) -> dict:
    """A ready-made message: « Envoyer la restitution aux participants » after publishing."""
    if request.GET.get("modele") != "restitution":
        return {}
    url = request.build_absolute_uri(reverse("events:detail", args=[event.slug])
                                     + "#restitution")
    held = event.date <= timezone.localdate()
    return {
        "subject": f"Restitution de la journée « {event.title} »"[:150],
        "body": (f"Bonjour,\n\nMerci de votre participation à « {event.title} ». La restitution "
                 f"de la journée est publiée : les pistes de travail retenues et les "
                 f"propositions dont elles viennent.\n\n{url}\n\nBien cordialement,\n"
                 f"{event.co_organisers or 'Les organisateurs'}"),
        "audience": Audience.PRESENT if held else Audience.CONFIRMED,
    }


def _log(event: Event):
    return (event.mailings.select_related("workshop", "created_by")
            .annotate(delivered=Count("emails", filter=Q(emails__sent_at__isnull=False)),
                      failed=Count("emails", filter=Q(emails__sent_at__isnull=True,
                                                      emails__attempts__gt=0)))
            .order_by("-send_at", "-id"))


def _preview(request: HttpRequest, event: Event, form: MailingForm) -> HttpResponse:
    data = form.cleaned_data
    people = service.recipients(event, data["audience"], data["workshop"], data["essential"])
    count = people.count()
    sample = people.first()
    context = {
        "event": event, "registration": sample,
        "mailing": Mailing(event=event, subject=data["subject"], body=data["body"],
                           essential=data["essential"]),
        "manage_url": manage_url(sample) if sample else "",
        "optout_url": optout_url(sample) if sample and not data["essential"] else "",
    }
    # The text part as the first recipient receives it (the HTML part says the same).
    preview = render_to_string("registrations/email/mailing.txt", context) if sample else ""
    fields = confirm.reposted_fields(request)
    return render(request, "registrations/organiser/mailing_preview.html", {
        "event": event, "form": form, "count": count, "preview": preview, "fields": fields,
        "send_at": data["send_at"], "confirm_field": confirm.CONFIRM_FIELD,
        "audience": Audience(data["audience"]).label, "workshop": data["workshop"],
    })


@organiser_required
def mailings(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    editing = request.method == "POST" and request.POST.get("edit") == "1"
    form = MailingForm(request.POST if request.method == "POST" and not editing else None,
                       initial=request.POST.dict() if editing else _prefill(event, request),
                       event=event)
    if request.method == "POST" and not editing and form.is_valid():
        if not confirm.confirmed(request):
            return _preview(request, event, form)
        data = form.cleaned_data
        try:
            mailing = service.schedule(
                scope=request.scope, event=event, user=request.user, subject=data["subject"],
                body=data["body"], audience=data["audience"], workshop=data["workshop"],
                essential=data["essential"], send_at=data["send_at"])
        except service.MailingError as error:
            form.add_error(None, error.messages[0])
        else:
            if data["send_at"] is None:
                messages.success(request, f"Message « {mailing.subject} » envoyé à "
                                          f"{mailing.recipients} personne(s).")
            else:
                when = timezone.localtime(mailing.send_at)
                messages.success(request, f"Message « {mailing.subject} » programmé pour le "
                                          f"{when:%d/%m/%Y à %H:%M}.")
            return redirect("registrations_backoffice:mailings", event.pk)
    return render(request, "registrations/organiser/mailings.html", {
        "event": event, "form": form, "log": _log(event),
    }, status=400 if form.errors else 200)


@require_POST
@organiser_required
def mailing_cancel(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    mailing_pk = int_param(request.POST.get("mailing"), min=1)
    mailing = event.mailings.filter(pk=mailing_pk).first() if mailing_pk else None
    if mailing is None:
        messages.error(request, "Ce message n’existe pas pour cette journée.")
        return redirect("registrations_backoffice:mailings", event.pk)
    if mailing.state == Mailing.State.SCHEDULED and not confirm.confirmed(request):
        return confirm.ask(
            request, title=f"annuler l’envoi de « {mailing.subject} »",
            consequences=[f"Le message prévu le "
                          f"{timezone.localtime(mailing.send_at):%d/%m/%Y à %H:%M} ne partira "
                          "pas ; il reste dans la liste, marqué « Annulé »."],
            confirm_label="Annuler l’envoi", back=("registrations_backoffice:mailings", event.pk),
            back_label="Garder l’envoi programmé")
    try:
        service.cancel(scope=request.scope, mailing=mailing)
    except service.MailingError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"L’envoi de « {mailing.subject} » est annulé.")
    return redirect("registrations_backoffice:mailings", event.pk)
