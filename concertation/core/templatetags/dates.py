"""French dates: "1er février 2024", not "1 février 2024" (Django's `date` filter knows no
French ordinal). A built-in filter (settings.TEMPLATES), so templates need no `{% load %}`."""

from django import template
from django.template.defaultfilters import date

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date_fr(value, arg=None):
    """`date`, with the first day of a month written "1er" where the format shows the day
    with `j`."""
    if arg and getattr(value, "day", None) == 1:
        arg = arg.replace("j", r"j\e\r")
    return date(value, arg)
