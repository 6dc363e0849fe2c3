"""« Réglages de la journée » (reminders, consent text, accessibility declaration, who signs
the certificates) and « Besoins d’accessibilité » (what registrants typed), for an organiser
of the day."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.core.forms import DsfrFormMixin
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations.models import DaySettings, Registration, RegistrationStatus
from concertation.registrations.services import day_settings as service
from concertation.registrations.services.base import RegistrationError
from concertation.registrations.services.reminders import parse_days


class DaySettingsForm(DsfrFormMixin, forms.ModelForm):
    reminders = forms.CharField(
        label="Rappels par courriel (jours avant la journée)", max_length=40, required=False,
        help_text="Nombres de jours séparés par des virgules, par exemple « 7, 1 » ; 0 pour le "
        "matin même ; vide pour aucun rappel.")

    class Meta:
        model = DaySettings
        fields = ["data_protection_text", "step_free_access", "induction_loop", "sign_language",
                  "accessibility_notes", "signatory_name", "signatory_role"]
        widgets = {
            "data_protection_text": forms.Textarea(attrs={"rows": 5}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
            "step_free_access": forms.RadioSelect, "induction_loop": forms.RadioSelect,
            "sign_language": forms.RadioSelect,
        }
        help_texts = {
            "data_protection_text": "Affiché sur le formulaire d’inscription au-dessus des cases "
            "de consentement. Vide : le texte par défaut (responsable, durée de conservation, "
            "droits).",
            "accessibility_notes": "Par exemple : places réservées, toilettes adaptées, "
            "transcription, contact pour un besoin particulier.",
            "signatory_role": "Par exemple « Présidente du conseil territorial de santé ».",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["reminders"] = ", ".join(str(d) for d in self.instance.reminder_days)
        for name in ("step_free_access", "induction_loop", "sign_language"):
            self.fields[name].required = False

    def clean_reminders(self) -> list[int]:
        try:
            return parse_days(self.cleaned_data["reminders"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if bool(data.get("signatory_name", "").strip()) != bool(
                data.get("signatory_role", "").strip()):
            raise forms.ValidationError("Indiquez le nom et la fonction du signataire des "
                                        "attestations, ou aucun des deux.")
        return data


@organiser_required
def day_settings(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    current = DaySettings.for_event(event)
    form = DaySettingsForm(request.POST if request.method == "POST" else None,
                           instance=current)
    if request.method == "POST" and form.is_valid():
        values = {**form.cleaned_data, "reminder_days": form.cleaned_data["reminders"]}
        try:
            service.save_settings(scope=request.scope, event=event, user=request.user,
                                  values=values)
        except RegistrationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, "Les réglages de la journée sont enregistrés.")
            return redirect("registrations_backoffice:settings", event.pk)
    return render(request, "registrations/organiser/settings.html",
                  {"event": event, "form": form}, status=400 if form.errors else 200)


@organiser_required
def accessibility_needs(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    people = (Registration.objects.filter(event=event, anonymised_at__isnull=True)
              .exclude(status=RegistrationStatus.CANCELLED).exclude(accessibility_needs="")
              .prefetch_related("workshops").order_by("last_name", "first_name", "id"))
    return render(request, "registrations/organiser/accessibility_needs.html", {
        "event": event, "people": people, "declared": DaySettings.for_event(event)})
