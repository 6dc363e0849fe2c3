"""The one text cleaner, for what comes in (every form field and query parameter, through
`core.middleware.CleanTextMiddleware`; every sheet import) and what goes out (every tabular
export, through `core/tabular.py`).

- NUL cannot be stored: PostgreSQL refuses it in text (the request answered 500), and no
  keyboard types it. A form that holds one is refused whole (400); a query parameter loses it.
- The other C0 control characters (but tab, newline and carriage return) are noise pasted from
  a word processor, and a spreadsheet file cannot hold them (XML 1.0): they are removed, and
  vertical tab and form feed (Word's manual line and page breaks) become a space, so that the
  words they separated stay apart. DEL goes too.
- Text is put in Unicode's composed form (NFC), so that « é » typed on one system and pasted
  from another compare, search and count alike. Passwords are left as typed."""

from __future__ import annotations

import re
import unicodedata

_BREAKS = str.maketrans({"\x0b": " ", "\x0c": " "})
# C0 controls but tab (\x09), newline (\x0a) and carriage return (\x0d); NUL included; DEL.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str) -> str:
    """`value` without control characters (NUL included); tab, newline and carriage return
    kept; vertical tab and form feed as spaces."""
    return CONTROLS.sub("", value.translate(_BREAKS))


def clean(value: str, *, normalise: bool = True) -> str:
    """`value` as text is stored: without control characters, in NFC."""
    value = strip_controls(value)
    if normalise and not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value


def is_clean(value: str, *, normalise: bool = True) -> bool:
    return not CONTROLS.search(value) and (
        not normalise or unicodedata.is_normalized("NFC", value))
