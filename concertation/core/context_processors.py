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
        # The menu links each role to its own pages, and to none it would be refused: « Mes
        # journées » for an organiser, « Mes ateliers » for a facilitator, the syntheses to
        # validate for the CRSA's secretariat, the inbox for the national one.
        "IS_ORGANISER": SimpleLazyObject(lambda: roles[0]),
        "IS_FACILITATOR": SimpleLazyObject(lambda: roles[1]),
        "IS_CRSA": SimpleLazyObject(lambda: roles[2]),
        "IS_NATIONAL": SimpleLazyObject(lambda: roles[3]),
    }


def _roles(user) -> tuple[bool, bool, bool, bool]:
    """(organiser, facilitator, CRSA secretariat, national secretariat), in one query: the menu
    shows them all and used to pay one query for the first alone, so pages keep their pinned
    query counts."""
    if not user.is_authenticated:
        return (False, False, False, False)
    if user.is_superuser:
        return (True, False, False, False)
    membership = apps.get_model("accounts", "OrganiserMembership")
    facilitation = apps.get_model("contributions", "Facilitation")
    # accounts.Role's values: core sits below accounts and does not import it.
    memberships = membership.objects.filter(user=OuterRef("pk"))
    return get_user_model().objects.filter(pk=user.pk).values_list(
        Exists(memberships.filter(role="organiser")),
        Exists(facilitation.objects.filter(user=OuterRef("pk"))),
        Exists(memberships.filter(role="crsa")),
        Exists(memberships.filter(role="national")),
    ).get()
