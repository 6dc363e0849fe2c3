"""Online participation: a campaign's page, contributing (with similar proposals shown while
typing, and a warning for personal health details), a contribution's page with votes,
comments with one level of replies, and reports to the moderators."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from concertation.campaigns.models import Campaign
from concertation.contributions import services
from concertation.contributions.health import health_details
from concertation.contributions.models import (
    MAX_TEXT,
    Comment,
    Contribution,
    Report,
    Vote,
    is_public,
)
from concertation.core.forms import DsfrFormMixin, choice_field, model_field
from concertation.core.params import int_param
from concertation.territories.models import Department


class OnlineContributionForm(DsfrFormMixin, forms.Form):
    title = forms.CharField(label="Titre (facultatif)", max_length=200, required=False)
    text = forms.CharField(
        label="Votre proposition", max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "Votre texte dépasse %(limit_value)d caractères."},
    )
    theme = forms.ModelChoiceField(queryset=None, label="Thème", empty_label=None)
    department = forms.ModelChoiceField(Department.objects.all(), label="Votre département",
                                        to_field_name="code")
    college = forms.ChoiceField(label="Vous êtes", widget=forms.RadioSelect)
    health_confirmed = forms.BooleanField(
        required=False,
        label="Je confirme que mon texte ne révèle l’état de santé d’aucune personne "
              "identifiable.",
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        model_field(self, "theme").queryset = campaign.themes.all()
        choice_field(self, "college").choices = campaign.college_choices
        model_field(self, "department").label_from_instance = lambda d: f"{d.code} — {d.name}"
        self.health_terms: list[str] = []

    def clean(self):
        data = super().clean()
        self.health_terms = health_details(data.get("text", ""))
        if self.health_terms and not data.get("health_confirmed"):
            raise ValidationError(
                "Votre texte semble évoquer la santé d’une personne (%(terms)s). Les "
                "contributions sont publiques : retirez ce qui permettrait de la reconnaître, "
                "puis cochez la confirmation.", params={"terms": ", ".join(self.health_terms)},
            )
        return data


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.prefetch_related("themes"), slug=slug)


@require_safe
def campaign_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    latest = (Contribution.objects.visible().filter(campaign=campaign)
              .select_related("event", "workshop", "theme").order_by("-created_at")[:10])
    return render(request, "contributions/campaign.html", {"campaign": campaign,
                                                           "latest": latest})


@login_required(login_url="front:magic_request")
def contribute(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    if not campaign.online_open:
        messages.error(request, "Les contributions en ligne sont fermées pour cette "
                                "concertation.")
        return redirect("contributions:campaign", slug=campaign.slug)
    form = OnlineContributionForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contribution = services.submit_online(
                campaign=campaign, user=request.user, title=data["title"], text=data["text"],
                theme=data["theme"], department=data["department"], college=data["college"],
                flagged=bool(form.health_terms),
            )
        except services.ContributionError as exc:
            form.add_error(None, exc.messages[0])
        else:
            if contribution.state == "published":
                messages.success(request, "Merci : votre contribution est publiée.")
            else:
                messages.success(request, "Merci : votre contribution sera publiée après "
                                          "relecture par les modérateurs.")
            return redirect("contributions:detail", pk=contribution.pk)
    return render(request, "contributions/contribute.html",
                  {"campaign": campaign, "form": form}, status=400 if form.errors else 200)


@require_safe
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Fragment shown under the text field as the person types (htmx)."""
    campaign = _campaign(slug)
    text = request.GET.get("text", "")[:MAX_TEXT]
    matches = services.similar_contributions(campaign=campaign, text=text)
    return render(request, "contributions/_similar.html", {"matches": matches})


def _visible(pk: int, user) -> Contribution:
    contribution = get_object_or_404(
        Contribution.objects.select_related("campaign", "event", "workshop", "theme",
                                            "department", "health_territory", "merged_into"),
        pk=pk,
    )
    # Its author sees an unpublished contribution; nobody else does (a workshop's entries
    # have no author: an anonymous visitor must not match that empty author).
    mine = user.is_authenticated and contribution.author_id == user.pk
    if not mine and not is_public(contribution.state, contribution.merged_into_id):
        raise Http404("Contribution non publiée")
    return contribution


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible(pk, request.user)
    my_vote = None
    if request.user.is_authenticated:
        my_vote = (Vote.objects.filter(contribution=contribution, user=request.user)
                   .values_list("value", flat=True).first())
    comments = (contribution.comments.filter(parent__isnull=True)
                .select_related("author").prefetch_related("replies__author"))
    return render(request, "contributions/detail.html", {
        "contribution": contribution, "my_vote": my_vote, "comments": comments,
        "choices": Vote.Value.choices, "sources": services.provenance(contribution)[1:],
    })


@require_POST
@login_required(login_url="front:magic_request")
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible(pk, request.user)
    value = int_param(request.POST.get("value"), min=-1, max=1)
    try:
        if value is None:
            raise ValueError(value)  # the same message as a value the service refuses
        services.vote(contribution=contribution, value=value, user=request.user)
    except ValueError:
        messages.error(request, "Vote inconnu : d’accord, pas d’accord ou passer.")
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Votre vote est enregistré (vous pouvez le changer).")
    return redirect("contributions:detail", pk=contribution.pk)


@require_POST
@login_required(login_url="front:magic_request")
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible(pk, request.user)
    parent = None
    if request.POST.get("parent"):
        parent_id = int_param(request.POST["parent"])
        parent = contribution.comments.filter(pk=parent_id).first() if parent_id else None
        if parent is None:
            # A reply to a comment that is gone (or a tampered form) is not posted at the top
            # level behind the person's back.
            messages.error(request, "Le commentaire auquel vous répondez n’existe plus.")
            return redirect(reverse("contributions:detail", args=[contribution.pk])
                            + "#commentaires")
    try:
        services.add_comment(contribution=contribution, user=request.user,
                             text=request.POST.get("text", ""), parent=parent)
    except services.ContributionError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Votre commentaire est publié.")
    return redirect(reverse("contributions:detail", args=[contribution.pk]) + "#commentaires")


@require_POST
@login_required(login_url="front:magic_request")
def report(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible(pk, request.user)
    reason = request.POST.get("reason", "").strip()[:300]
    if not reason:
        messages.error(request, "Indiquez pourquoi vous signalez ce contenu.")
    else:
        comment_obj = None
        if request.POST.get("comment"):
            comment_id = int_param(request.POST["comment"])
            comment_obj = (contribution.comments.filter(pk=comment_id).first() if comment_id
                           else None)
            if comment_obj is None:
                messages.error(request, "Le commentaire signalé n’existe plus.")
                return redirect("contributions:detail", pk=contribution.pk)
        Report.objects.get_or_create(contribution=contribution, comment=comment_obj,
                                     reporter=request.user, defaults={"reason": reason})
        messages.success(request, "Merci : les modérateurs examineront ce signalement.")
    return redirect("contributions:detail", pk=contribution.pk)


__all__ = ["Comment"]
