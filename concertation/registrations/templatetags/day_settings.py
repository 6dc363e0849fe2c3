"""A day's settings on pages of other apps or shared templates: the accessibility declaration
on the day's public page (`events/detail.html`, whose app sits below the registrations) and
on the registration forms, with the day's data-protection text. At most one query per page:
the relation caches the row, or its absence."""

from django import template

from concertation.registrations.models import DaySettings

register = template.Library()


def _settings(event) -> DaySettings:
    # Read once (a miss is remembered too), or joined by the view: no query then.
    try:
        return event.day_settings
    except DaySettings.DoesNotExist:
        return DaySettings(event=event)


@register.inclusion_tag("registrations/_accessibility.html")
def day_accessibility(event) -> dict:
    return {"declared": _settings(event)}


@register.inclusion_tag("registrations/_data_protection.html")
def day_data_protection(event) -> dict:
    return {"text": _settings(event).data_protection_text.strip()}
