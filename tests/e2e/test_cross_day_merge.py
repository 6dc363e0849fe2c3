"""The ARS organiser finds the same proposal made in two days of the region and merges them
from the campaign's merge page; the CTS organiser of Eure-et-Loir sees none of them. axe-core
finds no WCAG 2.1 A/AA violation on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concertation.contributions.models import Contribution, ContributionState
from tests.e2e.helpers import axe_violations, format_violations

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGE = "/espace-organisateur/concertations/cnr-sante-2022/fusion/"


def test_ars_organiser_merges_proposals_of_two_days(demo, open_site):
    organiser = open_site()
    page = organiser.page
    organiser.login("ars-ara")
    organiser.goto(PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fusionner des doublons entre journées")
    page.get_by_label("Rechercher dans les contributions").fill("ordonnance")
    page.get_by_role("button", name="Chercher").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Développer le sport sur ordonnance")
    candidates = list(Contribution.objects.filter(
        text__startswith="Développer le sport sur ordonnance",
        department__region__code="84").select_related("event"))
    assert len({c.event_id for c in candidates}) >= 2
    # Two rows of different days: the origin column names each day.
    days = [rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())]
    first = 0
    second = next(i for i, day in enumerate(days) if day.split(",")[0] != days[0].split(",")[0])
    violations = {"recherche": axe_violations(page)}
    for i in (first, second):
        checkbox = rows.nth(i).get_by_role("checkbox")
        checkbox.check(force=True)  # the DSFR label draws the box over the input
        expect(checkbox).to_be_checked()
    rows.nth(first).get_by_role("radio").check(force=True)
    page.get_by_label("Motif de la fusion (facultatif)").fill("Même proposition, deux journées")
    page.get_by_role("button", name="Fusionner la sélection").click()
    expect(page.get_by_role("status")).to_contain_text("1 contribution fusionnée dans")
    expect(page.get_by_role("status")).to_contain_text("(2 origines)")
    expect(page.get_by_role("heading", name="Fusions en cours")).to_be_visible()
    violations["fusion"] = axe_violations(page)
    merged = Contribution.objects.get(state=ContributionState.MERGED)
    assert merged.merged_into.event_id != merged.event_id
    organiser.assert_healthy()

    # The CTS organiser of Eure-et-Loir does not see the region's other days.
    cts = open_site()
    cts.login("cts28")
    cts.goto(PAGE + "?q=ordonnance")
    expect(cts.page.locator("tbody")).to_contain_text("Aucune contribution à fusionner")
    cts.assert_healthy()
    report = "\n".join(format_violations(name, v) for name, v in violations.items() if v)
    assert not report, report
