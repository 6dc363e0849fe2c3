from django import forms, template

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
