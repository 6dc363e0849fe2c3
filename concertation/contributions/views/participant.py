"""Votes of a registered participant, through their personal signed link: agree, disagree
or pass on each published proposal of their day, as in Pol.is."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from concertation.contributions import services
from concertation.contributions.models import (
    VOTABLE_STATES,
    Contribution,
    PriorityVote,
    PriorityVoteState,
    Vote,
)
from concertation.contributions.templatetags.contribution_votes import vote_buttons
from concertation.core.http import HtmxRequest
from concertation.core.links import BadLink
from concertation.core.params import int_param
from concertation.registrations.models import Registration, RegistrationStatus
from concertation.registrations.tokens import read_link, read_token


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
        "contributions": contributions,
    })


@require_POST
def vote(request: HtmxRequest, token: str, contribution_pk: int) -> HttpResponse:
    # The registration is checked by the vote's own statement: `read_token` loads it with its
    # day, campaign and region, one query that cost more than the vote itself.
    try:
        registration_id, code = read_link(token)
        value = int_param(request.POST.get("value"), min=-1, max=1)
        if value is None:
            raise ValueError(value)
        services.vote_by_link(contribution_id=contribution_pk, value=value,
                              registration_id=registration_id, code=code)
    except BadLink as exc:  # expired links included
        raise Http404(str(exc)) from None
    except Registration.DoesNotExist:
        raise Http404("Seules les inscriptions confirmées votent.") from None
    except Contribution.DoesNotExist:
        raise Http404("Cette proposition n’est pas soumise au vote de votre journée.") from None
    except (ValueError, services.ContributionError) as exc:
        text = exc.messages[0] if isinstance(exc, services.ContributionError) else (
            "Vote inconnu : d’accord, pas d’accord ou passer.")
        if request.htmx:
            return HttpResponse(f'<p class="fr-error-text">{text}</p>', status=400)
        messages.error(request, text)
        return redirect("contributions:vote_page", token=token)
    if request.htmx:
        return HttpResponse(vote_buttons(token=token, contribution_pk=contribution_pk,
                                         my_vote=value, csrf_token=get_token(request)))
    return redirect("contributions:vote_page", token=token)
