from django.apps import AppConfig


class FrontConfig(AppConfig):
    """The pages that gather several apps, so that none of those apps imports another above
    it: the home page (days and campaigns), the 403 page (each role's own page), the request
    for a login link (its rate limits are the registrations'), and an online participant's
    data and erasure (contributions, registrations, follows)."""

    name = "concertation.front"
    label = "front"
