from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "OPERATOR_NAME": settings.OPERATOR_NAME,
        "NEUTRAL_THEME": settings.THEME == "neutral",
        # The current page's URL name, for aria-current in the menu (none on error pages).
        "CURRENT_VIEW": request.resolver_match.view_name if request.resolver_match else "",
        # Evaluated (one query) only where a page shows it: for signed-in users.
        "IS_ORGANISER": SimpleLazyObject(lambda: _is_organiser(request.user)),
    }


def _is_organiser(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.memberships.exists())
