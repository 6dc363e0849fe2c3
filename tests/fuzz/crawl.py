"""The fuzzer: every page of the access matrix a role may open is read, its forms (and the
query parameters its links and filters use) are found in the HTML, and each field is sent
again with every hostile value of `corpus.py`, the other fields filled plausibly so that the
value gets past the form's other checks. What is asked: no answer is a 5xx.

Each request runs in a transaction rolled back afterwards, so every one meets the same world
(`tests/test_access_matrix.build_world`), and the signed-in session is put back after each."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.db import transaction
from django.urls import reverse

from tests.fuzz import corpus
from tests.test_access_matrix import MATRIX, OK, World

# Query parameters read by hand somewhere in the views (grep `GET.get`), tried on every page
# besides those its own links and filter forms show.
KNOWN_PARAMS = ("page", "q", "journee", "group", "revision", "de", "region", "concertation",
                "etat", "modifier", "supprimee", "contribution", "proposition", "text",
                "modele", "next", "theme", "departement", "territoire", "du", "au", "fmt")
# Forms that end the session or leave the site: their effect is not the fuzzer's business.
SKIPPED_ACTIONS = ("/compte/deconnexion/", "/admin/", "/compte/proconnect/")


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]]  # name -> plausible value(s) taken from the page
    files: list[str] = field(default_factory=list)
    key: str = ""


class _FormParser(HTMLParser):
    """Forms of a page with their fields and a plausible value for each; query parameters of
    the page's own links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.link_params: set[tuple[str, str]] = set()
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first = True
        self._textarea: str | None = None
        self._buttons: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and (href := a.get("href")) and "?" in href:
            self.link_params.update((href.split("?")[0], k) for k, _ in
                                    parse_qsl(href.split("?", 1)[1], keep_blank_values=True))
        if tag == "form":
            self._form = Form(method=(a.get("method") or "get").lower(),
                              action=a.get("action") or "", fields={})
            self._buttons = set()
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                # The first option of a radio group, every box ticked.
                if kind == "checkbox" or name not in form.fields:
                    form.fields.setdefault(name, []).append(a.get("value") or "on")
            elif kind in ("submit", "image", "button"):
                self._button(name, a.get("value") or "")
            else:
                form.fields.setdefault(name, []).append(a.get("value") or _plausible(kind, a))
        elif tag == "button" and name:
            self._button(name, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select, self._select_first = name, True
            form.fields.setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            values = form.fields[self._select]
            # The first option with a value (a placeholder has none).
            if value and (not values or values == [""]):
                form.fields[self._select] = [value]
            elif not values:
                values.append(value)

    def _button(self, name: str, value: str) -> None:
        # The first named button is the one pressed.
        if name not in self._buttons and self._form is not None:
            self._buttons.add(name)
            self._form.fields.setdefault(name, [value])

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            values = self._form.fields[self._textarea]
            values[-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._form is not None and self._textarea:
                values = self._form.fields[self._textarea]
                values[-1] = values[-1].strip() or "Un texte ordinaire."
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _plausible(kind: str, attrs: dict) -> str:
    """A value that passes a field of this kind, so that the hostile one sent elsewhere in the
    form is what the form must deal with."""
    return {"email": "fuzz@example.org", "date": "2031-05-12", "time": "14:30",
            "datetime-local": "2031-05-12T14:30", "number": attrs.get("min") or "1",
            "url": "https://exemple.fr/", "tel": "0102030405", "password": "Mot-de-passe-1"
            }.get(kind, "Texte ordinaire")


@dataclass
class Report:
    inputs: int = 0
    requests: int = 0
    passes: int = 0
    pages: set = field(default_factory=set)
    reachable: set = field(default_factory=set)  # (role, page) the matrix lets the role open
    reached: set = field(default_factory=set)  # those fuzzed
    forms: set = field(default_factory=set)
    params: set = field(default_factory=set)
    failures: list = field(default_factory=list)

    def merge(self, other: Report) -> None:
        self.inputs += other.inputs
        self.requests += other.requests
        self.passes += other.passes
        self.pages |= other.pages
        self.reachable |= other.reachable
        self.reached |= other.reached
        self.forms |= other.forms
        self.params |= other.params
        self.failures += other.failures

    def summary(self) -> str:
        return (f"{self.inputs} valeurs essayées en {self.requests} requêtes ; "
                f"{len(self.reached)}/{len(self.reachable)} pages (rôle, adresse) ouvertes, "
                f"{len(self.pages)} adresses, {len(self.forms)} formulaires, "
                f"{len(self.params)} paramètres d’adresse ; {len(self.failures)} réponses 5xx")


class Fuzzer:
    def __init__(self, client, world: World, role: str, *, rng: random.Random,
                 deadline: float, values: list[str]) -> None:
        self.client, self.world, self.role = client, world, role
        self.rng, self.deadline, self.values = rng, deadline, values
        self.report = Report()
        user = world.users[role]
        client.logout()
        if user is not None:
            client.force_login(user)
        # What is put back after each request (a request may log in, out, or set messages).
        self.cookies = {k: v.value for k, v in client.cookies.items()}

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def request(self, method: str, url: str, data=None, label: str = ""):
        self.report.requests += 1
        with transaction.atomic():
            if method == "get":
                response = self.client.get(url, data)
            else:
                response = self.client.post(url, data or {})
            if response.streaming:
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
        self.client.cookies.clear()
        for key, value in self.cookies.items():
            self.client.cookies[key] = value
        if response.status_code >= 500:
            error = getattr(response, "exc_info", None)
            cause = f"{error[0].__name__}: {str(error[1])[:200]}" if error else ""
            self.report.failures.append(
                f"{self.role} {method.upper()} {url} {label} -> {response.status_code} {cause}")
        return response

    def pages(self) -> list[str]:
        urls = []
        for name, row in MATRIX.items():
            if "GET" in row.methods and row.expected[self.role] == OK and name != "admin:index":
                urls.append(reverse(name, kwargs=row.args(self.world)))
        return urls

    def run(self) -> Report:
        """Passes over the role's pages in a shuffled order, each with values drawn afresh,
        until the time is up (the bounded run does not finish its first)."""
        pages = self.pages()
        self.report.reachable |= {(self.role, url) for url in pages}
        while not self.out_of_time():
            self.rng.shuffle(pages)
            for url in pages:
                if self.out_of_time():
                    return self.report
                self.fuzz_page(url)
            self.report.passes += 1
        return self.report

    def fuzz_page(self, url: str) -> None:
        response = self.request("get", url)
        if response.status_code != 200:
            return
        self.report.pages.add(url)
        self.report.reached.add((self.role, url))
        if "html" not in response.get("Content-Type", ""):
            # An export, a calendar, a file: its filters are fuzzed, it has no form.
            self.fuzz_params(url, set())
            return
        parser = _FormParser()
        parser.feed(response.content.decode(errors="replace"))
        self.fuzz_params(url, parser.link_params)
        for form in parser.forms:
            if self.out_of_time():
                return
            self.fuzz_form(url, form)

    def _sample(self, count: int) -> list[str]:
        return self.values if count >= len(self.values) else self.rng.sample(self.values, count)

    def fuzz_params(self, url: str, link_params: set[tuple[str, str]]) -> None:
        path = urlsplit(url).path
        names = {k for target, k in link_params if target in ("", path)} | set(KNOWN_PARAMS)
        for value in self._sample(self.per_field):
            if self.out_of_time():
                return
            self.report.inputs += len(names)
            self.report.params.update((path, n) for n in names)
            self.request("get", url, dict.fromkeys(sorted(names), value), f"?*={value[:40]!r}")

    # Breadth first: a few values in a few fields of each form per pass, so that a pass
    # reaches every page; the next pass draws other fields and values.
    per_field = 3  # values tried per field and pass
    fields_per_form = 3  # fields of a form fuzzed one by one in a pass

    def fuzz_form(self, page: str, form: Form) -> None:
        action = urljoin(page, form.action) if form.action else page
        path = urlsplit(action).path
        if path.startswith(SKIPPED_ACTIONS):
            return
        key = f"{form.method.upper()} {path} [{', '.join(sorted(form.fields))}]"
        self.report.forms.add(key)
        base = {k: list(v) for k, v in form.fields.items()}
        method = "post" if form.method == "post" else "get"
        names = list(base)
        self.rng.shuffle(names)
        # One field at a time (a few per pass in a long form: the next pass draws others),
        # then every field at once.
        for name in [*names[:self.fields_per_form], None]:
            for value in self._sample(self.per_field):
                if self.out_of_time():
                    return
                data = dict(base)
                if name is None:
                    data = {k: [value] for k in base}
                else:
                    data[name] = [value]
                if method == "post":
                    for file_field in form.files:
                        data[file_field] = self.rng.choice(corpus.hostile_files())
                self.report.inputs += 1
                self.request(method, action, data, f"{name or '*'}={value[:40]!r}")
        for file_field in form.files:
            for upload in corpus.hostile_files():
                if self.out_of_time():
                    return
                self.report.inputs += 1
                self.request("post", action, {**base, file_field: upload},
                             f"{file_field}={upload.name!r}")
