"""A person's journey through the site, in one object: each action is done the way that
person does it — with the mouse (what is drawn on screen, scrolled to as a person scrolls) or
with the keyboard only (Tab and Shift+Tab to reach it, Enter or Space to use it, arrows in a
radio group or a list, never a click) — and each step leaves a screenshot and passes axe.

Screenshots go to `JOURNEY_SCREENSHOTS` when set (`make guide-screenshots` copies the 1280 px
mouse ones into docs/guide/), otherwise to pytest's temporary folder:
`<folder>/<role>/<width>-<mode>/<nn>-<step>.png`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import Site, axe_violations, format_violations
from tests.smtp import Mailbox, smtp_server

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
MODES = pytest.mark.parametrize("mode", ["souris", "clavier"])
# Enough to cross the longest page of the back-office (the CRSA's 21 decision forms).
MAX_TABS = 400

# What the keyboard reaches: the browser's own tab order, which the test walks.
_IS_FOCUSED = "el => el === document.activeElement"
# Where the focus is, relative to the target: -1 before it (Tab goes on), 1 after (Shift+Tab).
_SIDE = """el => {
  const a = document.activeElement;
  if (!a || a === document.body || a === el) return -1;
  return (a.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) ? -1 : 1;
}"""


def output_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("JOURNEY_SCREENSHOTS")
    if configured:
        return Path(configured)
    return tmp_path_factory.getbasetemp() / "journeys"


def _slug(name: str) -> str:
    """« Trouver l’agenda » → "trouver-l-agenda": accents dropped, not the letters they sit on."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


class Journey:
    """One person on the site: `role` names the screenshots' folder, `mode` is "souris" or
    "clavier", `viewport` one of DESKTOP and PHONE."""

    def __init__(self, site: Site, *, role: str, mode: str, viewport: dict, folder: Path):
        assert mode in ("souris", "clavier"), mode
        self.site = site
        self.page: Page = site.page
        self.keyboard = mode == "clavier"
        self.page.set_viewport_size(viewport)
        self.width = viewport["width"]
        self.folder = folder / role / f"{self.width}-{mode}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps = 0

    # What a person sees at each step.

    def step(self, name: str) -> None:
        """A screenshot of the window as it is, and axe at zero violations on the page."""
        self.steps += 1
        # The design system's script has drawn its components; the projector's page, made for
        # a wall, loads none of it (its own two scripts only).
        if self.page.locator("script[src*='dsfr.module']").count():
            expect(self.page.locator("html")).to_have_attribute("data-fr-js", "true")
        self.page.screenshot(path=self.folder / f"{self.steps:02d}-{_slug(name)}.png")
        violations = axe_violations(self.page)
        assert not violations, f"Étape « {name} » : " + format_violations(
            self.page.url, violations)

    def announced(self, text: str) -> None:
        """The message is in a live region: a screen reader says it without moving there."""
        live = self.page.locator("[role=status], [role=alert], [aria-live]").filter(
            has_text=text)
        expect(live.first).to_be_visible()

    def confirm(self, button: str) -> None:
        """The confirmation step of an irreversible action says what will happen; then yes."""
        expect(self.page.get_by_role("heading", level=1)).to_contain_text("Confirmer : ")
        expect(self.page.get_by_role("heading", name="Ce qui va se passer")).to_be_visible()
        self.step("confirmation : " + button)
        self.press(self.page.get_by_role("button", name=button, exact=True))

    def dots_inside(self, svg: Locator) -> int:
        """Every dot of a drawing lies inside its drawing area (the SVG's box on screen)."""
        svg.scroll_into_view_if_needed()
        outside = svg.evaluate("""svg => {
          const area = svg.getBoundingClientRect();
          const dots = [...svg.querySelectorAll('circle')];
          const out = dots.filter(c => {
            const b = c.getBoundingClientRect();
            return !(b.width > 0 && b.left >= area.left - 0.5 && b.right <= area.right + 0.5
                     && b.top >= area.top - 0.5 && b.bottom <= area.bottom + 0.5);
          }).length;
          const xs = new Set(dots.map(c => Math.round(c.getBoundingClientRect().left)));
          return [dots.length, out, xs.size];
        }""")
        count, out, distinct = outside
        assert count > 0, "aucun point dans le dessin"
        assert out == 0, f"{out} point(s) sur {count} hors de la zone de dessin"
        assert distinct > 1, "tous les points au même endroit"
        return count

    # What a person does.

    def goto(self, path: str) -> None:
        """Typed in the address bar, or opened from a mail: the same with mouse or keyboard."""
        self.site.goto(path)

    def login(self, username: str, landing: str) -> None:
        """Signs in with the demo password and lands on the role's own page."""
        from concertation.demo.people import DEMO_PASSWORD

        self.goto("/compte/connexion/")
        self.fill(self.page.locator("#id_username"), username)
        self.fill(self.page.locator("#id_password"), DEMO_PASSWORD)
        self.press(self.page.get_by_role("button", name="Se connecter"))
        expect(self.page).to_have_url(self.site.url(landing))

    def press(self, target: Locator) -> None:
        """A button or a link: clicked where it is drawn, or reached by Tab and pressed."""
        if self.keyboard:
            self._focus(target)
            tag = target.evaluate("el => el.tagName + ':' + (el.type || '')")
            self.page.keyboard.press("Space" if tag.startswith("INPUT:checkbox") else "Enter")
        else:
            self._click(target)

    def menu(self, name: str) -> None:
        """A link of the main menu: in view on a desktop, behind the « Menu » button on a phone."""
        link = self.page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name=name, exact=True)
        if not link.is_visible():
            self.press(self.page.get_by_role("button", name="Menu", exact=True))
            expect(link).to_be_visible()
        self.press(link)

    def fill(self, field: Locator, text: str) -> None:
        if self.keyboard:
            self._focus(field)
            kind = field.evaluate("el => el.type || ''")
            self.page.keyboard.press("Control+A")
            if kind == "date":
                # The browser's own field: day, month and year typed in turn, in the order
                # of the browser's language (day first in French, month first in English).
                year, month, day = text.split("-")
                for digits in (day + month + year, month + day + year):
                    self.page.keyboard.type(digits)
                    if field.input_value() == text:
                        break
                    self.page.keyboard.press("ArrowLeft")
                    self.page.keyboard.press("ArrowLeft")
            elif kind == "time":
                # Hours and minutes; an English browser wants its AM/PM segment as well: the
                # focus is then on that third segment, two arrows back to the hours.
                hours, minutes = text.split(":")
                self.page.keyboard.type(hours + minutes)
                if field.input_value() != text:
                    self.page.keyboard.press("ArrowLeft")
                    self.page.keyboard.press("ArrowLeft")
                    h = int(hours)
                    self.page.keyboard.type(f"{h % 12 or 12:02d}{minutes}{'AP'[h >= 12]}")
            else:
                self.page.keyboard.press("Delete")
                self.page.keyboard.insert_text(text)
        else:
            self._click(field)
            field.fill(text)
        expect(field).to_have_value(text)

    def choose(self, option: Locator) -> None:
        """A radio button or a checkbox, by its label with the mouse (the design system draws
        the box on the label), by Tab then arrows (radio) or Space (checkbox) otherwise."""
        kind = option.evaluate("el => el.type")
        if not self.keyboard:
            label = self.page.locator(f"label[for='{option.get_attribute('id')}']")
            self._click(label)
        elif kind == "checkbox":
            self._focus(option)
            if not option.is_checked():
                self.page.keyboard.press("Space")
        else:
            name = option.get_attribute("name")
            group = self.page.locator(f"input[type=radio][name='{name}']")
            form = option.locator("xpath=ancestor::form")
            if form.count():
                group = form.locator(f"input[type=radio][name='{name}']")
            ids = group.evaluate_all("els => els.map(e => e.id)")
            self._focus_any(group)
            want = ids.index(option.get_attribute("id"))
            for _ in range(len(ids) * 2):
                if option.is_checked():
                    break
                at = ids.index(self.page.evaluate("document.activeElement.id"))
                if not group.nth(at).is_checked():
                    self.page.keyboard.press("Space")
                    continue
                self.page.keyboard.press("ArrowDown" if want > at else "ArrowUp")
        expect(option).to_be_checked()

    def select(self, field: Locator, label: str) -> None:
        """An option of a list: chosen in the opened list, or with the arrows once focused."""
        if not self.keyboard:
            self._click(field)
            field.select_option(label=label)
        else:
            self._focus(field)
            labels = field.evaluate("el => [...el.options].map(o => o.text.trim())")
            want = labels.index(label)
            at = field.evaluate("el => el.selectedIndex")
            key = "ArrowDown" if want > at else "ArrowUp"
            for _ in range(abs(want - at)):
                self.page.keyboard.press(key)
        expect(field.locator("option:checked")).to_have_text(label)

    # How.

    def _click(self, target: Locator) -> None:
        """The mouse presses the middle of what is drawn, once it is scrolled to: a target of
        no size, or one that stays off screen, cannot be clicked by anybody."""
        expect(target).to_have_count(1)
        target.scroll_into_view_if_needed()
        expect(target).to_be_in_viewport()
        box = target.bounding_box()
        assert box is not None, "élément absent de la page"
        assert box["width"] >= 8 and box["height"] >= 8, f"cible trop petite : {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= self.width + 1, (
            f"cible hors de l’écran ({box['x']:.0f} + {box['width']:.0f} > {self.width})")
        # A link wrapped over two lines is drawn as two boxes: aim at the first line's.
        first = target.evaluate("""el => { const r = el.getClientRects()[0];
                                          return {x: r.x, y: r.y, w: r.width, h: r.height}; }""")
        self.page.mouse.click(first["x"] + first["w"] / 2, first["y"] + first["h"] / 2)

    def _focus(self, target: Locator) -> None:
        expect(target).to_have_count(1)
        self._tab_until(lambda: target.evaluate(_IS_FOCUSED), target)
        # A focused element the browser does not bring on screen is lost to a sighted user.
        expect(target).to_be_in_viewport()

    def _focus_any(self, group: Locator) -> None:
        self._tab_until(
            lambda: group.evaluate_all("els => els.includes(document.activeElement)"),
            group.first)

    def _tab_until(self, reached, target: Locator) -> None:
        for _ in range(MAX_TABS):
            if reached():
                return
            side = target.evaluate(_SIDE)
            self.page.keyboard.press("Tab" if side < 0 else "Shift+Tab")
        raise AssertionError(f"Inaccessible au clavier après {MAX_TABS} tabulations : {target}")


@contextmanager
def mail_through_smtp(settings, live_server) -> Iterator[Mailbox]:
    """Django sends its mail over SMTP to a server on 127.0.0.1 for as long as the block runs;
    links in the mail point at the live server."""
    with smtp_server() as (port, box):
        settings.MAILERS = {"default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }}
        settings.SITE_URL = live_server.url
        yield box
