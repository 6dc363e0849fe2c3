"""The agree / disagree / pass buttons of one proposal, drawn in Python: the vote page shows
them for each proposal, and each vote answers its htmx request with them. As a template,
drawing them cost a third of a vote's CPU; the three buttons are drawn once per vote given
(none, agree, disagree, pass) when the module loads."""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from concertation.contributions.models import Vote

register = template.Library()


def _buttons(my_vote: int | None) -> str:
    return "".join(
        f'<li><button class="fr-btn fr-btn--sm{"" if value == my_vote else " fr-btn--secondary"}"'
        f' type="submit" name="value" value="{value}"'
        f' aria-pressed="{"true" if value == my_vote else "false"}">{escape(label)}</button></li>'
        for value, label in Vote.Value.choices
    )


_BUTTONS = {my_vote: _buttons(my_vote) for my_vote in (None, *Vote.Value.values)}


def vote_buttons(*, token: str, contribution_pk: int, my_vote: int | None,
                 csrf_token: str) -> SafeString:
    url = escape(reverse("contributions:vote", args=[token, contribution_pk]))
    pk = int(contribution_pk)
    # Safe: every value put in is escaped, a number, or drawn above from fixed labels.
    return mark_safe(
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="#vote-{pk}" '
        f'hx-swap="innerHTML"><input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{escape(csrf_token)}"><fieldset class="fr-fieldset fr-mb-0">'
        f'<legend class="fr-sr-only">Votre avis sur la proposition {pk}</legend>'
        f'<ul class="fr-btns-group fr-btns-group--inline fr-btns-group--sm">'
        f'{_BUTTONS.get(my_vote, _BUTTONS[None])}</ul></fieldset></form>'
    )


@register.simple_tag(takes_context=True)
def vote_buttons_for(context, contribution, token: str) -> SafeString:
    """`{% vote_buttons_for contribution token %}`; `contribution.my_vote` is the vote
    given, or None."""
    return vote_buttons(token=token, contribution_pk=contribution.pk,
                        my_vote=contribution.my_vote, csrf_token=get_token(context.request))
