from django.conf import settings


def site(request):
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "OPERATOR_NAME": settings.OPERATOR_NAME,
        "NEUTRAL_THEME": settings.THEME == "neutral",
    }
