"""Organiser pages for a day's registrations: list, exports, attendance sheet, door check-in,
participation figures, sign-up on someone's behalf, custom questions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.forms import inlineformset_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from concertation.accounts.access import ScopedRequest, organiser_required
from concertation.core.forms import DsfrFormMixin, choice_field
from concertation.events.models import Event
from concertation.events.views.backoffice import _get_event_for_user
from concertation.registrations import exports, services
from concertation.registrations.forms import SecretariatRegistrationForm
from concertation.registrations.models import (
    CustomQuestion,
    Registration,
    RegistrationStatus,
)


class RegistrationFilterForm(DsfrFormMixin, forms.Form):
    status = forms.ChoiceField(label="Statut", required=False,
                               choices=[("", "Tous")] + list(RegistrationStatus.choices))
    college = forms.ChoiceField(label="Collège", required=False)
    workshop = forms.ChoiceField(label="Atelier", required=False)
    q = forms.CharField(label="Nom, adresse ou code", required=False, max_length=100)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "college").choices = [("", "Tous")] + event.campaign.college_choices
        choice_field(self, "workshop").choices = [("", "Tous")] + [
            (str(w.pk), w.title) for w in event.workshops.all()
        ]

    def filter(self, registrations):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("status"):
            registrations = registrations.filter(status=data["status"])
        if data.get("college"):
            registrations = registrations.filter(college=data["college"])
        if data.get("workshop"):
            registrations = registrations.filter(workshops=data["workshop"])
        if data.get("q"):
            q = data["q"].strip()
            registrations = registrations.filter(
                Q(last_name__icontains=q) | Q(first_name__icontains=q) | Q(email__icontains=q)
                | Q(code__iexact=q)
            )
        return registrations


def _registrations(event: Event):
    return (Registration.objects.filter(event=event, anonymised_at__isnull=True)
            .select_related("event__campaign").prefetch_related("workshops")
            .order_by("last_name", "first_name", "id"))


def _filtered(request: HttpRequest, event: Event):
    form = RegistrationFilterForm(request.GET or None, event=event)
    return form, form.filter(_registrations(event))


@organiser_required
def registration_list(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form, registrations = _filtered(request, event)
    counts = dict(Registration.objects.filter(event=event).values_list("status")
                  .annotate(n=Count("id")).order_by())
    context = {
        "event": event, "form": form, "registrations": registrations,
        "counts": {label: counts.get(value, 0) for value, label in RegistrationStatus.choices},
        "query": request.GET.urlencode(),
    }
    return render(request, "registrations/organiser/list.html", context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@organiser_required
def export(request: ScopedRequest, pk: int, fmt: str) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("Format inconnu")
    _, registrations = _filtered(request, event)
    registrations = list(registrations)
    exports.log_export(user=request.user, event=event, rows=len(registrations),
                       what=f"Liste des inscriptions ({fmt.upper()})",
                       filename=f"inscriptions-{event.slug}.{fmt}")
    if fmt == "csv":
        return _download(exports.to_csv(registrations), "text/csv; charset=utf-8",
                         f"inscriptions-{event.slug}.csv")
    return _download(
        exports.to_xlsx(event, registrations),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"inscriptions-{event.slug}.xlsx",
    )


@organiser_required
def attendance_sheet(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    confirmed = list(_registrations(event).filter(status=RegistrationStatus.CONFIRMED))
    groups = []
    for workshop in event.workshops.all():
        people = [r for r in confirmed if workshop in r.workshops.all()]
        groups.append((f"Atelier : {workshop.title}", people))
    without = [r for r in confirmed if not r.workshops.all()]
    if without or not groups:
        groups.append(("Sans atelier" if groups else "Participants", without))
    exports.log_export(user=request.user, event=event, what="Feuille d’émargement (PDF)",
                       rows=len(confirmed), filename=f"emargement-{event.slug}.pdf")
    return _download(exports.attendance_sheet_pdf(event, groups), "application/pdf",
                     f"emargement-{event.slug}.pdf")


@organiser_required
def check_in(request: ScopedRequest, pk: int) -> HttpResponse:
    """The door: scan a QR code, type a code, or tick a name. htmx refreshes the list."""
    event = _get_event_for_user(request, pk)
    query = request.GET.get("q", "").strip()
    registrations = _registrations(event).filter(status=RegistrationStatus.CONFIRMED)
    if query:
        registrations = registrations.filter(
            Q(last_name__icontains=query) | Q(first_name__icontains=query)
            | Q(code__iexact=query)
        )
    confirmed = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    context = {
        "event": event, "registrations": registrations, "query": query,
        "present": confirmed.filter(checked_in_at__isnull=False).count(),
        "expected": confirmed.count(),
    }
    template = ("registrations/organiser/check_in_list.html" if request.htmx
                else "registrations/organiser/check_in.html")
    return render(request, template, context)


@require_POST
@organiser_required
def check_in_mark(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    code = request.POST.get("code", "").strip().upper()
    registration = Registration.objects.filter(event=event, code=code).first()
    if registration is None:
        messages.error(request, f"Aucune inscription à cette journée avec le code « {code} ».")
    else:
        present = request.POST.get("present", "1") == "1"
        try:
            services.set_checked_in(registration, present=present, user=request.user)
        except services.RegistrationError as exc:
            messages.error(request, f"{registration.full_name} : {exc.messages[0]}")
        else:
            verb = "arrivée enregistrée" if present else "arrivée annulée"
            messages.success(request, f"{registration.full_name} : {verb}.")
    return redirect("registrations_backoffice:check_in", pk=event.pk)


@organiser_required
def participation(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    context = {"event": event, "counts": services.attendance_counts(event),
               "past": event.date < timezone.localdate()}
    return render(request, "registrations/organiser/participation.html", context)


@organiser_required
def add_on_behalf(request: ScopedRequest, pk: int) -> HttpResponse:
    """Sign-up taken by the secretariat, by phone or on paper."""
    event = _get_event_for_user(request, pk)
    form = SecretariatRegistrationForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.register(
                event=event, applicant=form.applicant(), workshops=form.chosen_workshops(),
                submission_token=form.cleaned_data["submission_token"],
                registered_by=request.user,
            )
        except services.RegistrationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            r = outcome.registration
            messages.success(request, f"{r.full_name} est inscrit(e) ({r.get_status_display()}, "
                                      f"code {r.code}).")
            return redirect("registrations_backoffice:list", pk=event.pk)
    return render(request, "registrations/organiser/add.html", {"event": event, "form": form})


class QuestionForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = CustomQuestion
        fields = ["position", "label", "required"]


QuestionFormSet = inlineformset_factory(Event, CustomQuestion, form=QuestionForm, extra=2,
                                        can_delete=True)


@organiser_required
def questions(request: ScopedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    formset = QuestionFormSet(request.POST or None, instance=event, prefix="questions")
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, "Les questions du formulaire d’inscription sont enregistrées.")
        return redirect("backoffice:manage", pk=event.pk)
    return render(request, "registrations/organiser/questions.html",
                  {"event": event, "formset": formset})
