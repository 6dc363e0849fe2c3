"""The package through the synthesis services themselves: validated with the CRSA, packaged,
published, transmitted, then a new edition started (its package stays the transmitted one)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.synthesis import editing, services
from concertation.synthesis import package as packages
from concertation.synthesis.models import Package
from tests.factories import ContributionFactory, agency_organiser
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


def test_validated_packaged_published_transmitted_then_new_edition(
        client, django_capture_on_commit_callbacks):
    world = validated_synthesis()  # only for its campaign, days and region
    ars = agency_organiser("84")
    scope = scope_for(ars)
    campaign, days = world["campaign"], world["days"]
    synthesis = services.create_synthesis(
        scope=scope, user=ars, campaign=campaign, level="region", title="Synthèse de l’ARS",
        region=world["region"], days=days, introduction="Contexte de la synthèse.")
    first = [ContributionFactory(event=days[0], campaign=campaign) for _ in range(2)]
    second = [ContributionFactory(event=days[1], campaign=campaign)]
    g1 = editing.create_group(scope=scope, user=ars, synthesis=synthesis, title="Accès",
                               contribution_ids=[c.pk for c in first])
    g2 = editing.create_group(scope=scope, user=ars, synthesis=synthesis, title="Prévention",
                               contribution_ids=[c.pk for c in second])
    for group, text in ((g1, "Un médecin pour chacun."), (g2, "Le sport sur ordonnance.")):
        editing.update_group(scope=scope, user=ars, synthesis=synthesis, group=group,
                              title=group.title, kind="proposal", text=text)
    with pytest.raises(packages.PackageError, match="Rien n’est encore validé"):
        packages.request_package(scope=scope, user=ars, synthesis=synthesis)
    services.transition(scope=scope, user=ars, synthesis=synthesis, target="in_validation")
    services.record_decision(scope=scope, user=ars, synthesis=synthesis, group=g1,
                             outcome="adopted", votes_for=30, votes_against=1, abstentions=0)
    services.record_decision(scope=scope, user=ars, synthesis=synthesis, group=g2,
                             outcome="amended", votes_for=20, votes_against=5, abstentions=2,
                             amended_text="Le sport sur ordonnance, remboursé.")
    services.transition(scope=scope, user=ars, synthesis=synthesis, target="validated")
    with django_capture_on_commit_callbacks(execute=True):
        package = packages.request_package(scope=scope, user=ars, synthesis=synthesis)
    package.refresh_from_db()
    assert package.status == Package.Status.DONE, package.error
    synthesis.refresh_from_db()
    assert package.revision == synthesis.revision

    # Publishing bumps the revision; the package of this edition is still the one shown.
    services.set_public(scope=scope, user=ars, synthesis=synthesis, public=True)
    page = client.get(reverse("synthesis:detail", args=[synthesis.slug])).content.decode()
    assert "Le sport sur ordonnance, remboursé." in page
    assert "Rapport (PDF)" in page

    services.transition(scope=scope, user=ars, synthesis=synthesis, target="transmitted")
    draft = services.new_edition(scope=scope, user=ars, synthesis=synthesis)
    assert draft.state == "draft"
    # From the new draft, the package is the transmitted edition's.
    with django_capture_on_commit_callbacks(execute=True):
        again = packages.request_package(scope=scope, user=ars, synthesis=draft)
    assert again.synthesis_id == synthesis.pk
    again.refresh_from_db()
    assert again.status == Package.Status.DONE
    client.force_login(ars)
    page = client.get(reverse("synthesis_package:index", args=[draft.pk])).content.decode()
    assert "le dossier est celui de la version 1" in page
    assert page.count("Rapport (PDF)") == 2
    download = client.get(reverse("synthesis_package:download",
                                  args=[draft.pk, again.pk, "docx"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")
