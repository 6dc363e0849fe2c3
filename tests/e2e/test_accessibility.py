"""Every public page, and the organiser's pages, pass axe-core's WCAG 2.1 A/AA rules (the basis
of RGAA 4). A test lists every violation of every page it scanned before it fails."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from concertation.events.models import Event
from tests.e2e.helpers import Site, axe_violations, format_violations

pytestmark = pytest.mark.e2e
# The live server and the test share the data: transactions, and the reference territories
# restored after each test's flush.
live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The public pages, in two groups that the two test processes scan side by side.
PUBLIC_PAGES = {
    "site": [
        ("/", 200),
        ("/agenda/", 200),
        # Filtered, and the second page of the results.
        ("/agenda/?region=84&theme=&start=2022-01-01&end=&page=2", 200),
        ("/journees/cette-journee-n-existe-pas/", 404),
        ("/accessibilite/", 200),
        ("/mentions-legales/", 200),
        ("/donnees-personnelles/inscriptions/", 200),
        ("/compte/connexion/", 200),
    ],
    # A held day without documents, a held day with the programme PDF, a day open for
    # registration (with its PDF) and its registration form, the regional restitution.
    "journees": [
        ("/journees/cnr-sante-eure-et-loir-2022-11-25/", 200),
        ("/journees/cnr-sante-eure-et-loir-2024-12-12/", 200),
        ("/journees/cnr-sante-eure-et-loir-4/", 200),
        ("/journees/cnr-sante-eure-et-loir-4/inscription/", 200),
        ("/journees/cnr-sante-2022-restitution-auvergne-rhone-alpes/", 200),
    ],
}


def more_auvergne_rhone_alpes_days(n: int) -> None:
    """Copies of a demo day, so that the region's agenda has a second page."""
    source = Event.objects.get(slug="cnr-sante-2022-38")
    for i in range(n):
        source.pk = None
        source.id = None
        source.slug = f"cnr-sante-2022-38-copie-{i}"
        source.date = dt.date(2023, 3, 1) + dt.timedelta(days=i)
        source.save()


def scan(site: Site, path: str, status: int = 200) -> str | None:
    site.goto(path, status=status)
    # The design system's script has set up its components (menu, breadcrumb, modals).
    expect(site.page.locator("html")).to_have_attribute("data-fr-js", "true")
    violations = axe_violations(site.page)
    return format_violations(path, violations) if violations else None


def linked_from_header_and_footer(site: Site) -> list[str]:
    """The site's own pages that the current page's header, menu and footer link to."""
    hrefs = site.page.locator("header a, footer a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted({h for h in hrefs if h.startswith("/") and not h.endswith(".ics")})


@live_db
@pytest.mark.parametrize("group", PUBLIC_PAGES)
def test_public_pages_have_no_wcag_violation(demo, site, group):
    more_auvergne_rhone_alpes_days(10)
    queue = list(PUBLIC_PAGES[group])
    reports = []
    while queue:
        path, status = queue.pop(0)
        if report := scan(site, path, status):
            reports.append(report)
        if path == "/":
            # Every page the header, menu or footer leads to is scanned too, new ones included.
            listed = {p for group_pages in PUBLIC_PAGES.values() for p, _ in group_pages}
            queue += [(p, 200) for p in linked_from_header_and_footer(site) if p not in listed]
        if "page=2" in path:
            # A real second page, not the first one again.
            current = site.page.locator(".fr-pagination [aria-current=page]")
            expect(current).to_have_text("2")
    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


@live_db
def test_organiser_pages_have_no_wcag_violation(demo, site):
    site.login("cts28")
    event = Event.objects.get(slug="cnr-sante-eure-et-loir-4")
    manage = f"/espace-organisateur/journees/{event.pk}/"
    pages = [
        "/espace-organisateur/",
        "/espace-organisateur/?etat=held",
        "/espace-organisateur/journees/nouvelle/",
        manage,
        f"{manage}modifier/",
        f"{manage}programme/",
        f"{manage}dupliquer/",
    ]
    reports = [report for path in pages if (report := scan(site, path))]

    # The create form as it comes back with errors.
    site.goto("/espace-organisateur/journees/nouvelle/")
    site.page.get_by_role("button", name="Enregistrer").click()
    expect(site.page.get_by_role("alert")).to_be_visible()
    if violations := axe_violations(site.page):
        reports.append(format_violations("formulaire de création en erreur", violations))

    assert not reports, "Violations WCAG 2.1 A/AA (RGAA 4) :\n\n" + "\n\n".join(reports)
    site.assert_healthy()


def test_the_scan_reports_violations(browser):
    """The scan itself works: a page with known faults does not pass."""
    page = browser.new_page()
    try:
        page.set_content(
            "<html><head><title>Défauts</title></head><body><main>"
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><a href="/"></a>'
            '<p style="color:#bbb;background:#fff">Texte trop pâle</p></main></body></html>'
        )
        found = {violation["id"] for violation in axe_violations(page)}
    finally:
        page.close()
    assert {"html-has-lang", "image-alt", "link-name", "color-contrast"} <= found, found
