from django import template

from concertation.accounts import proconnect

register = template.Library()


@register.simple_tag
def proconnect_enabled() -> bool:
    """Whether the ProConnect button is shown: only with all PROCONNECT_* settings."""
    return proconnect.is_configured()
