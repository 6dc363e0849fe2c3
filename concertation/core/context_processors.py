from django.conf import settings


def site(request):
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "OPERATOR_NAME": settings.OPERATOR_NAME,
        "NEUTRAL_THEME": settings.THEME == "neutral",
        # The current page's URL name, for aria-current in the menu (none on error pages).
        "CURRENT_VIEW": request.resolver_match.view_name if request.resolver_match else "",
    }
