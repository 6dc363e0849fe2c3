from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from django import forms
from django.db.models.fields.files import FieldFile

from concertation.core.downloads import basename


def model_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's field `name`, which must choose among rows (its queryset is set per
    request: the person's scope). Raises TypeError if it does not."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} does not choose among rows")
    return field


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field `name`, which must offer choices (set per request)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} offers no choices")
    return field


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


class FrozenFieldError(AttributeError):
    """A shared, frozen form field (or its widget) was about to be changed."""


_FROZEN_CLASSES: dict[type, type] = {}


def _frozen_class(cls: type) -> type:
    """`cls` with its attributes read-only: same name, so templates and `isinstance` see the
    field or widget they expect."""
    if cls not in _FROZEN_CLASSES:
        def refuse(self, name, value=None):
            raise FrozenFieldError(
                f"{type(self).__name__}.{name}: this field is shared by every form of its "
                "layout (frozen); build the field anew for one form instead.")
        _FROZEN_CLASSES[cls] = type(cls.__name__, (cls,), {
            "__setattr__": refuse, "__delattr__": refuse, "__module__": cls.__module__,
            "__qualname__": cls.__qualname__, "frozen": True})
    return _FROZEN_CLASSES[cls]


def _freeze_object(obj: object) -> None:
    # Its dicts (error messages, widget attributes) become read-only views and its lists
    # (choices, validators) tuples, then the object's own attributes read-only.
    for name, value in list(vars(obj).items()):
        if isinstance(value, dict):
            object.__setattr__(obj, name, MappingProxyType(value))
        elif isinstance(value, list):
            object.__setattr__(obj, name, tuple(value))
    obj.__class__ = _frozen_class(type(obj))


def freeze(fields: dict[str, forms.Field]) -> Mapping[str, forms.Field]:
    """Fields built once and shared by many forms (across requests and threads), made
    read-only: a change to a field, its error messages, its choices, its widget or the
    widget's attributes raises FrozenFieldError instead of leaking into every other form. A
    form copies the mapping (`dict(...)`) into its own `fields`, so it may still add or drop
    fields of its own."""
    for field in fields.values():
        _freeze_object(field.widget)
        _freeze_object(field)
    return MappingProxyType(fields)


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
