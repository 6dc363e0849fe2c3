"""Shared pieces of the end-to-end tests: a visitor's browser context, what it watches, and
the accessibility scan."""

from __future__ import annotations

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

# Fail fast: a page of this site answers in milliseconds.
TIMEOUT_MS = 10_000

# RGAA 4 is built on WCAG 2.1, levels A and AA.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_axe = Axe()


@dataclass
class Watch:
    """What went wrong in the browser while a test ran."""

    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        def on_response(response: Response) -> None:
            if response.status >= 500:
                self.server_errors.append(f"{response.status} {response.url}")

        def on_page(page: Page) -> None:
            def on_console(message) -> None:
                if "Content Security Policy" in message.text:
                    self.csp_violations.append(f"{page.url} : {message.text}")

            page.on("console", on_console)
            page.on("pageerror", lambda error: self.page_errors.append(f"{page.url} : {error}"))

        context.on("response", on_response)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("page", on_page)


class Site:
    """One visitor's browser context on the live server."""

    def __init__(self, browser: Browser, base_url: str, *, javascript: bool = True):
        self.base_url = base_url
        self.watch = Watch()
        self.context = browser.new_context(
            base_url=base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        # A first page load compiles templates and serves every static file through the
        # finders: slow on a busy CI machine, so navigations get more time than assertions.
        self.context.set_default_navigation_timeout(3 * TIMEOUT_MS)
        self.watch.attach(self.context)
        self.page = self.context.new_page()

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, *, status: int = 200) -> Response:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.status == status, f"{path} : HTTP {response.status}, attendu {status}"
        return response

    def login(self, username: str) -> None:
        from concertation.demo.people import DEMO_PASSWORD

        self.goto("/compte/connexion/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Se connecter").click()
        expect(self.page).to_have_url(self.url("/espace-organisateur/"))

    def assert_healthy(self) -> None:
        assert not self.watch.server_errors, "Erreurs serveur : " + "; ".join(
            self.watch.server_errors
        )
        assert not self.watch.page_errors, "Erreurs de script : " + "; ".join(
            self.watch.page_errors
        )

    def close(self) -> None:
        self.context.close()


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    return _axe.run(page, options=AXE_OPTIONS).response["violations"]


def format_violations(url: str, violations: list[dict]) -> str:
    """A readable report: rule, impact, help page, then each offending element."""
    lines = [f"{url} : {len(violations)} règle(s) enfreinte(s)"]
    for violation in violations:
        lines.append(
            f"  - {violation['id']} ({violation['impact']}) : {violation['help']}"
            f" — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"      * {target}")
            lines.append(f"        {node['html'][:300]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"        {line}" for line in summary.splitlines())
    return "\n".join(lines)


def confirm(page: Page, label: str) -> None:
    """Answers the confirmation step of an irreversible action (`core/confirm.html`): the page
    says what will happen before its button is clicked."""
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmer : ")
    expect(page.get_by_role("heading", name="Ce qui va se passer")).to_be_visible()
    page.get_by_role("button", name=label, exact=True).click()
