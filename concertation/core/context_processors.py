from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject


def site(request):
    # Evaluated (one query for both) only where a page shows them: for signed-in users.
    roles = SimpleLazyObject(lambda: _roles(request.user))
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "OPERATOR_NAME": settings.OPERATOR_NAME,
        "NEUTRAL_THEME": settings.THEME == "neutral",
        # The current page's URL name, for aria-current in the menu (none on error pages).
        "CURRENT_VIEW": request.resolver_match.view_name if request.resolver_match else "",
        "IS_ORGANISER": SimpleLazyObject(lambda: roles[0]),
        # « Mes ateliers » in the menu: a facilitator's way back to their workshops from any page.
        "IS_FACILITATOR": SimpleLazyObject(lambda: roles[1]),
    }


def _roles(user) -> tuple[bool, bool]:
    """(organiser, facilitator), in one query: the menu shows both and used to pay one query
    for the first alone, so pages keep their pinned query counts."""
    if not user.is_authenticated:
        return (False, False)
    if user.is_superuser:
        return (True, False)
    membership = apps.get_model("accounts", "OrganiserMembership")
    facilitation = apps.get_model("contributions", "Facilitation")
    return get_user_model().objects.filter(pk=user.pk).values_list(
        Exists(membership.objects.filter(user=OuterRef("pk"))),
        Exists(facilitation.objects.filter(user=OuterRef("pk"))),
    ).get()
