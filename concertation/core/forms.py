from __future__ import annotations

from collections.abc import Iterable

from django import forms


def dsfr_widgets(form: forms.BaseForm) -> None:
    """Give each widget the design system's class, so templates render plain `{{ field }}`."""
    dsfr_classes(form.fields.values())


def dsfr_classes(fields: Iterable[forms.Field]) -> None:
    for field in fields:
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            continue
        if isinstance(widget, forms.CheckboxInput):
            continue
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "fr-select")
        elif isinstance(widget, forms.FileInput):
            widget.attrs.setdefault("class", "fr-upload")
        else:
            widget.attrs.setdefault("class", "fr-input")


class DsfrFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dsfr_widgets(self)
