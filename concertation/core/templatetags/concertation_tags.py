from django import forms, template

from concertation.core import downloads

register = template.Library()


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    """How the design system lays out this field: checkbox, choices (checkboxes), radios,
    select, file or input."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


@register.filter
def lookup(mapping: dict, key):
    """`mapping[key]`, or an empty string: for dictionaries keyed by numbers in templates."""
    return mapping.get(key, "")


@register.filter
def fr_plural(value, suffix: str = "s") -> str:
    """French plural: "0 journée", "1 journée", "2 journées" (Django's pluralize gives
    "0 journées")."""
    try:
        return suffix if abs(int(value)) > 1 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def basename(name: str) -> str:
    """The last part of a stored file's name, as protected download URLs end with it."""
    return downloads.basename(name)
