"""Sign-up on a day's page, and the participant's own page behind the signed link."""

from __future__ import annotations

import json
from functools import cache

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from concertation.core import confirm
from concertation.core.links import BadLink
from concertation.events.models import Event
from concertation.registrations import services
from concertation.registrations.emails import qr_svg
from concertation.registrations.forms import ChangeWorkshopsForm, RegistrationForm, ResendForm
from concertation.registrations.models import CustomQuestion, Registration, RegistrationStatus
from concertation.registrations.network import client_ip
from concertation.registrations.signup_sql import signup_event
from concertation.registrations.tokens import read_optout, read_token


def _event(slug: str) -> Event:
    return get_object_or_404(
        # Its settings joined: the form shows its accessibility and data-protection text.
        Event.objects.public().select_related("campaign", "day_settings").annotate(
            has_questions=Exists(CustomQuestion.objects.filter(event=OuterRef("pk")))
        ),
        slug=slug,
    )


def register(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        # The day as a sign-up needs it, in two light statements: a burst of sign-ups is
        # the site's busiest write (see bench/signup.py).
        event, workshops = signup_event(slug)
        form = RegistrationForm(request.POST, event=event, workshops=workshops)
    else:
        event = _event(slug)
        form = RegistrationForm(event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.register(
                event=event, applicant=form.applicant(), workshops=form.chosen_workshops(),
                submission_token=form.cleaned_data["submission_token"], ip=client_ip(request),
            )
        except services.AlreadyRegistered as exc:
            # Answered exactly as a new sign-up (or a replayed form): the same redirect, to
            # the same page. Only the address's owner learns it, by e-mail, with their link.
            services.remind_registered(exc.registration)
            return HttpResponseRedirect(_submitted_path(event.slug))
        except services.RegistrationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            # Not the personal page: a sign-up with an address already registered could not
            # be answered alike, so the link goes by e-mail only (which also keeps it from
            # whoever typed someone else's address). A path built without `reverse`, which
            # walks the URL patterns, and without a flash message, whose signed cookie cost
            # 0.2 ms of a sign-up's 6 ms of CPU.
            return HttpResponseRedirect(_submitted_path(event.slug))
    if request.method == "POST":
        event = _event(slug)  # the page shows the whole day again, with the form's errors
    context = {
        "event": event, "form": form,
        "open": event.state == "registration_open" and event.date >= timezone.localdate(),
        "resend_form": ResendForm(initial={"email": request.POST.get("email", "")}),
    }
    return render(request, "registrations/register.html", context,
                  status=400 if form.errors else 200)


@cache
def _submitted_parts(script_prefix: str) -> tuple[str, str]:
    head, _, tail = reverse("registrations:submitted", args=["SLUG"]).partition("SLUG")
    return head, tail


def _submitted_path(slug: str) -> str:
    head, tail = _submitted_parts(get_script_prefix())
    return f"{head}{slug}{tail}"


def submitted(request: HttpRequest, slug: str) -> HttpResponse:
    """Where every accepted sign-up form leads, whether the address was new, already
    registered or the form replayed: the e-mail says which."""
    return render(request, "registrations/submitted.html", {"event": _event(slug)})


@require_POST
def resend(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the confirmation again to the address given, if it is registered. The answer is
    the same either way, so nobody learns who registered."""
    event = _event(slug)
    form = ResendForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"].lower()
        try:
            services.check_link_request_limit(ip=client_ip(request), email=email)
        except services.RateLimited as exc:
            messages.error(request, exc.messages[0])
            return redirect("registrations:register", slug=event.slug)
        registration = Registration.objects.active().filter(event=event, email=email).first()
        if registration is not None:
            services.resend_confirmation(registration)
    messages.info(request, "Si cette adresse est inscrite à la journée, la confirmation vient "
                           "de lui être renvoyée.")
    return redirect(event.get_absolute_url())


def _registration(token: str) -> Registration:
    try:
        return read_token(token)
    except BadLink as exc:
        raise Http404(str(exc)) from None


def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        registration = read_token(token)
    except BadLink as exc:
        return render(request, "registrations/bad_link.html", {"reason": str(exc)}, status=404)
    event = registration.event
    current = list(registration.workshops.all())
    form = ChangeWorkshopsForm(request.POST or None, event=event, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_workshops(registration, form.chosen_workshops())
        except services.RegistrationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "Votre choix d’atelier est enregistré.")
            return redirect(request.path)
    context = {
        "registration": registration, "event": event, "workshops": current, "form": form,
        "token": token, "qr": qr_svg(registration.code)
        if registration.status == RegistrationStatus.CONFIRMED else "",
        "changeable": registration.status != RegistrationStatus.CANCELLED
        and registration.anonymised_at is None and event.date >= timezone.localdate(),
        "answers": registration.answers.select_related("question"),
    }
    return render(request, "registrations/manage.html", context,
                  status=400 if form.errors else 200)


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration(token)
    if registration.status != RegistrationStatus.CANCELLED and not confirm.confirmed(request):
        consequences = ["Votre inscription à « " + registration.event.title + " » est annulée : "
                        "elle ne pourra pas être rétablie.",
                        "Votre place ira à la première personne en liste d’attente.",
                        "Pour venir quand même, il faudra vous inscrire de nouveau, s’il reste "
                        "de la place."]
        return confirm.ask(request, title="annuler votre inscription",
                           consequences=consequences,
                           confirm_label="Oui, annuler mon inscription",
                           back=("registrations:manage", token),
                           back_label="Non, garder mon inscription")
    try:
        services.cancel(registration)
    except services.RegistrationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Votre inscription est annulée : votre place est libérée.")
    return redirect("registrations:manage", token=token)


@require_POST
def accept_offer(request: HttpRequest, token: str) -> HttpResponse:
    """Take the seat offered to the link's holder (a day with timed offers)."""
    registration = _registration(token)
    try:
        services.accept_offer(registration)
    except services.RegistrationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Place acceptée : votre inscription est confirmée.")
    return redirect("registrations:manage", token=token)


@require_POST
def mailings_consent(request: HttpRequest, token: str) -> HttpResponse:
    """Accept or stop the organisers' messages (other than practical information about the
    day): no confirmation, since the choice can be changed back on the same page."""
    from concertation.registrations.services import mailings

    registration = _registration(token)
    accept = request.POST.get("accept") == "1"
    mailings.set_consent(registration, accept)
    messages.success(request, "Vous recevrez les messages des organisateurs." if accept else
                     "Vous ne recevrez plus que les informations pratiques sur la journée.")
    return redirect("registrations:manage", token=token)


@csrf_exempt
def optout(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of an organiser's message: a page that says what the button does
    (opening the link changes nothing: mail scanners open links), and the button. Without
    CSRF token, for mail programs' one-click unsubscription (RFC 8058: a POST from the
    program itself); all it can do is stop messages to the link's holder."""
    from concertation.registrations.services import mailings

    try:
        registration = read_optout(token)
    except BadLink as exc:
        return render(request, "registrations/bad_link.html", {"reason": str(exc)}, status=404)
    done = False
    if request.method == "POST":
        mailings.set_consent(registration, False)
        done = True
    return render(request, "registrations/optout.html", {
        "registration": registration, "event": registration.event, "done": done,
        "accepted": registration.consent_mailings and not done})


def download(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration(token)
    response = HttpResponse(
        json.dumps(services.personal_data(registration), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="inscription-{registration.code}.json"'
    return response


@require_POST
def erase(request: HttpRequest, token: str) -> HttpResponse:
    registration = _registration(token)
    if request.POST.get("confirm") != "oui":
        messages.error(request, "Cochez la case de confirmation pour effacer vos données.")
        return redirect("registrations:manage", token=token)
    services.erase(registration)
    messages.success(request, "Vos données personnelles ont été effacées. Seuls des comptages "
                              "anonymes sont conservés.")
    return redirect(registration.event.get_absolute_url())


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "registrations/privacy.html")
