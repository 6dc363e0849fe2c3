"""Priority votes in workshops: the facilitator opens one with N points per participant;
each participant spreads their points over the proposals, from their personal registration
link or signed in; the room follows the ranking live, and closing the vote freezes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from concertation.contributions import services
from concertation.contributions.models import (
    DEFAULT_PRIORITY_POINTS,
    MAX_PRIORITY_POINTS,
    PriorityVote,
    PriorityVoteState,
)
from concertation.contributions.views.participant import _participant
from concertation.contributions.views.workshops import facilitated_workshop
from concertation.core import confirm
from concertation.core.params import MAX_BIGINT, int_param
from concertation.events.models import Workshop


def _results_context(priority_vote: PriorityVote | None) -> dict:
    if priority_vote is None:
        return {"priority": None, "ranking": [], "voters": 0}
    ranking, voters = services.priority_ranking(priority_vote)
    return {"priority": priority_vote, "ranking": ranking, "voters": voters}


def latest_priority_vote(workshop: Workshop) -> PriorityVote | None:
    """The open vote of the workshop, else its last closed one."""
    return (PriorityVote.objects.filter(workshop=workshop)
            .order_by("-state", "-opened_at", "-id").first())  # "open" > "closed": open first


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The facilitator's page: open a vote (points per participant), follow it, close it."""
    workshop = facilitated_workshop(request, pk)
    typed = str(DEFAULT_PRIORITY_POINTS)
    status = 200
    if request.method == "POST":
        typed = request.POST.get("points", "").strip()
        # Out of range (negative included) is the service's message, with its bounds.
        points = int_param(typed, min=-MAX_BIGINT, max=MAX_BIGINT)
        if points is None:
            messages.error(request, "Indiquez le nombre de points de chaque participant (un "
                                    "nombre entier).")
            status = 400
        else:
            try:
                services.open_priority_vote(workshop=workshop, user=request.user, points=points)
            except services.ContributionError as exc:
                messages.error(request, exc.messages[0])
                status = 400
            else:
                messages.success(request, f"Vote de priorité ouvert : {points} points par "
                                          "participant.")
                return redirect("contributions:priority_manage", pk=workshop.pk)
    current = latest_priority_vote(workshop)
    past = list(PriorityVote.objects.filter(workshop=workshop, state=PriorityVoteState.CLOSED)
                .exclude(pk=current.pk if current else None))
    return render(request, "contributions/priority_manage.html", {
        "workshop": workshop, "event": workshop.event, "typed_points": typed,
        "max_points": MAX_PRIORITY_POINTS, "past": past, **_results_context(current),
    }, status=status)


@require_POST
@login_required
def close(request: HttpRequest, pk: int, vote_pk: int) -> HttpResponse:
    workshop = facilitated_workshop(request, pk)
    priority_vote = get_object_or_404(PriorityVote, pk=vote_pk, workshop=workshop)
    if priority_vote.is_open and not confirm.confirmed(request):
        return confirm.ask(
            request, title="clore le vote de priorité",
            consequences=["Plus personne ne pourra donner ni changer ses points.",
                          "Le classement est figé tel qu’il est maintenant ; c’est lui que "
                          "la restitution publiera.",
                          "Un vote clos ne se rouvre pas : un nouveau tour serait un "
                          "nouveau vote."],
            confirm_label="Oui, clore le vote", back=("contributions:priority_manage", workshop.pk),
            back_label="Non, laisser le vote ouvert")
    try:
        services.close_priority_vote(priority_vote=priority_vote, user=request.user)
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Le vote est clos : son classement figurera dans la "
                                  "restitution.")
    return redirect("contributions:priority_manage", pk=workshop.pk)


@require_safe
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The live ranking (htmx fragment polled by the projector and the facilitator's page)."""
    workshop = get_object_or_404(
        Workshop.objects.exclude(event__state="draft").filter(event__is_public=True), pk=pk,
    )
    return render(request, "contributions/_priority_results.html",
                  _results_context(latest_priority_vote(workshop)))


def _allocate(request: HttpRequest, priority_vote: PriorityVote, voter: dict,
              template_context: dict) -> HttpResponse:
    """Shared by both ways in: shows the proposals with the participant's points, takes a new
    allocation, and on a refusal shows the message with what they typed."""
    proposals = list(services.priority_proposals(priority_vote))
    typed = {p.pk: str(v) for p, v in ((p, 0) for p in proposals)}
    typed.update({pk: str(v) for pk, v in services.my_points(priority_vote, **voter).items()})
    error, status = "", 200
    if request.method == "POST":
        raw = {p.pk: request.POST.get(f"points-{p.pk}", "") for p in proposals}
        typed = {pk: value.strip()[:10] for pk, value in raw.items()}
        try:
            allocation = services.parse_points(raw, limit=priority_vote.points)
            services.allocate_points(priority_vote=priority_vote, allocation=allocation,
                                     **voter)
        except services.ContributionError as exc:
            error, status = exc.messages[0], 400
        else:
            given = sum(allocation.values())
            messages.success(request, f"Vos {given} point{'s' if given > 1 else ''} sont "
                                      "enregistrés. Vous pouvez les changer tant que le vote "
                                      "est ouvert.")
            return redirect(request.path)
    for proposal in proposals:
        proposal.typed = typed.get(proposal.pk, "")
    return render(request, "contributions/priority_allocate.html", {
        "priority": priority_vote, "workshop": priority_vote.workshop,
        "proposals": proposals, "error": error, **template_context,
    }, status=status)


def participant_allocate(request: HttpRequest, token: str, vote_pk: int) -> HttpResponse:
    """A registered participant spreads their points, from their personal link."""
    registration = _participant(token)
    priority_vote = get_object_or_404(
        PriorityVote.objects.select_related("workshop"), pk=vote_pk,
        workshop__event=registration.event,
    )
    return _allocate(request, priority_vote, {"registration": registration},
                     {"token": token, "event": registration.event})


@login_required(login_url="front:magic_request")
def account_allocate(request: HttpRequest, vote_pk: int) -> HttpResponse:
    """A participant signed in with their account spreads their points."""
    priority_vote = get_object_or_404(
        PriorityVote.objects.select_related("workshop__event")
        .exclude(workshop__event__state="draft").filter(workshop__event__is_public=True),
        pk=vote_pk,
    )
    return _allocate(request, priority_vote, {"user": request.user},
                     {"token": "", "event": priority_vote.workshop.event})

