"""The ministry's answers where the region and the public read their synthesis: one tag for
the back-office page of a transmitted edition, one for its public page. A synthesis not
transmitted costs no query."""

from __future__ import annotations

from django import template

from concertation.national.models import FollowUp, Message, Transmission
from concertation.national.services import answerable_groups

register = template.Library()


def _transmission(synthesis) -> Transmission | None:
    if synthesis.state != "transmitted":
        return None
    return (Transmission.objects.filter(synthesis=synthesis)
            .select_related("acknowledged_by").first())


def _answers(transmission: Transmission) -> list:
    follow_ups = {f.group_id: f for f in FollowUp.objects.filter(transmission=transmission)}
    rows = []
    for group in answerable_groups(transmission):
        rows.append((group, follow_ups.get(group.pk)))
    return rows


@register.inclusion_tag("national/_region_panel.html", takes_context=True)
def national_region_panel(context, synthesis):
    transmission = _transmission(synthesis)
    if transmission is None:
        return {"transmission": None}
    thread = list(transmission.messages.select_related("author"))
    return {"transmission": transmission, "synthesis": synthesis, "thread": thread,
            "answers": _answers(transmission),
            "asked": any(m.side == Message.Side.NATIONAL for m in thread),
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("national/_public_follow_ups.html")
def national_follow_ups(synthesis):
    # One query: the follow-ups recorded on this edition, with their proposals.
    if synthesis.state != "transmitted":
        return {"answers": []}
    follow_ups = (FollowUp.objects.filter(transmission__synthesis=synthesis)
                  .select_related("group").order_by("group__position", "group_id"))
    return {"answers": [(f.group, f) for f in follow_ups]}
