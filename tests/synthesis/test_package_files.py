"""The files of a transmission package follow their synthesis: public only while it is
published on the site, never at their storage path; withdrawn, they stop being public and
stay with its organisers in the back-office."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from concertation.accounts.scope import scope_for
from concertation.synthesis import services
from concertation.synthesis.models import Package
from tests.downloads import PDF, assert_not_served, read
from tests.factories import agency_organiser, organiser_of
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db

def _package(synthesis) -> Package:
    # Files written straight into storage, as the task leaves them (its output is tested in
    # test_package.py): a random folder, the synthesis's name, the kind's suffix.
    files = {kind: default_storage.save(f"syntheses/Xy7-random/synthese-ara-{name}",
                                        ContentFile(content))
             for kind, name, content in (("pdf", "rapport.pdf", PDF),
                                         ("zip", "dossier-complet.zip", b"PK\x03\x04"))}
    return Package.objects.create(synthesis=synthesis, revision=synthesis.revision,
                                  status=Package.Status.DONE, files=files)


def _public(synthesis, kind="pdf"):
    return reverse("synthesis:download", args=[synthesis.slug, kind])


def _set_public(synthesis, public: bool):
    organiser = agency_organiser("84")
    services.set_public(scope=scope_for(organiser), user=organiser, synthesis=synthesis,
                        public=public)
    synthesis.refresh_from_db()


def test_unpublished_then_published_then_withdrawn(client):
    synthesis = validated_synthesis()["synthesis"]  # validated, not on the site
    package = _package(synthesis)
    for kind in ("pdf", "zip"):
        assert client.get(_public(synthesis, kind)).status_code == 404
        assert_not_served(client, package.files[kind])

    _set_public(synthesis, True)
    response = client.get(_public(synthesis))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="synthese-ara-rapport.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert read(response) == PDF
    # Published or not, the storage path serves nothing.
    assert_not_served(client, package.files["pdf"])

    _set_public(synthesis, False)
    for kind in ("pdf", "zip"):
        assert client.get(_public(synthesis, kind)).status_code == 404
        assert_not_served(client, package.files[kind])


def test_a_draft_marked_public_has_no_public_files(client):
    synthesis = validated_synthesis(state="draft", public=True)["synthesis"]
    package = _package(synthesis)
    assert client.get(_public(synthesis)).status_code == 404
    assert_not_served(client, package.files["pdf"])


def test_organisers_of_the_region_still_download_a_withdrawn_synthesis(client):
    data = validated_synthesis()
    synthesis = data["synthesis"]
    package = _package(synthesis)
    url = reverse("synthesis_package:download", args=[synthesis.pk, package.pk, "zip"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(organiser_of(data["days"][0].health_territory))  # a CTS: not its own
    assert client.get(url).status_code == 404
    client.force_login(agency_organiser("24"))  # another region
    assert client.get(url).status_code == 404
    client.force_login(agency_organiser("84"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert read(response) == b"PK\x03\x04"
    assert_not_served(client, package.files["zip"])


def test_public_download_handed_to_nginx(client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    synthesis = validated_synthesis(public=True)["synthesis"]
    package = _package(synthesis)
    response = client.get(_public(synthesis))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{package.files["pdf"]}"
    assert response.content == b""
