"""Votes of a registered participant, through their personal signed link: agree, disagree
or pass on each published proposal of their day, as in Pol.is."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from concertation.contributions import services
from concertation.contributions.models import (
    VOTABLE_STATES,
    Contribution,
    PriorityVote,
    PriorityVoteState,
    Vote,
)
from concertation.registrations.models import RegistrationStatus
from concertation.registrations.tokens import BadLink, read_token


def _participant(token: str):
    try:
        registration = read_token(token)
    except BadLink as exc:
        raise Http404(str(exc)) from None
    if registration.status != RegistrationStatus.CONFIRMED or registration.anonymised_at:
        raise Http404("Seules les inscriptions confirmées votent.")
    return registration


def _votes(registration) -> dict[int, int]:
    return dict(Vote.objects.filter(registration=registration)
                .values_list("contribution_id", "value"))


def vote_page(request: HttpRequest, token: str) -> HttpResponse:
    registration = _participant(token)
    contributions = list(
        Contribution.objects.filter(event=registration.event, state__in=VOTABLE_STATES)
        .select_related("workshop").order_by("workshop__position", "created_at")
    )
    mine = _votes(registration)
    for contribution in contributions:
        contribution.my_vote = mine.get(contribution.pk)
    priority_votes = (PriorityVote.objects.filter(workshop__event=registration.event,
                                                  state=PriorityVoteState.OPEN)
                      .select_related("workshop").order_by("workshop__position"))
    return render(request, "contributions/vote.html", {
        "registration": registration, "event": registration.event, "token": token,
        "priority_votes": priority_votes,
        "contributions": contributions, "choices": Vote.Value.choices,
    })


@require_POST
def vote(request: HttpRequest, token: str, contribution_pk: int) -> HttpResponse:
    registration = _participant(token)
    contribution = get_object_or_404(Contribution, pk=contribution_pk, event=registration.event)
    try:
        value = int(request.POST.get("value", ""))
        services.vote(contribution=contribution, value=value, registration=registration,
                      college=registration.college)
    except (ValueError, services.ContributionError) as exc:
        text = exc.messages[0] if isinstance(exc, services.ContributionError) else (
            "Vote inconnu : d’accord, pas d’accord ou passer.")
        if request.htmx:
            return HttpResponse(f'<p class="fr-error-text">{text}</p>', status=400)
        messages.error(request, text)
        return redirect("contributions:vote_page", token=token)
    if request.htmx:
        contribution.my_vote = value
        return render(request, "contributions/_vote_buttons.html", {
            "contribution": contribution, "token": token, "choices": Vote.Value.choices,
        })
    return redirect("contributions:vote_page", token=token)
