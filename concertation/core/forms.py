from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.db.models.fields.files import FieldFile

from concertation.core.downloads import basename


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


class _StoredFile:
    """What the "currently" line of a file input shows: the file's name, linked to its URL."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name

    def __str__(self) -> str:
        return self.name


class ProtectedFileInput(forms.ClearableFileInput):
    """A clearable file input whose link to the current file goes to that file's protected
    download view (`url_for(fieldfile)`): MEDIA_URL is not served, see `core/downloads.py`."""

    def __init__(self, url_for: Callable[[FieldFile], str], attrs=None) -> None:
        super().__init__(attrs)
        self.url_for = url_for

    def format_value(self, value):
        if self.is_initial(value):
            return _StoredFile(self.url_for(value), basename(value.name))
        return super().format_value(value)
