from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone

from concertation.accounts.scope import scope_for
from concertation.synthesis import package as packages
from concertation.synthesis import report
from concertation.synthesis.models import Package
from tests.factories import SynthesisFactory, UserFactory, agency_organiser, organiser_of
from tests.factories import make_territory as territory_of
from tests.synthesis.package_data import validated_synthesis

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return validated_synthesis()


def _request(data, user=None, synthesis=None):
    user = user or agency_organiser("84")
    return packages.request_package(scope=scope_for(user), user=user,
                                    synthesis=synthesis or data["synthesis"])


def test_request_builds_every_file(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        package = _request(data)
    package.refresh_from_db()
    assert package.status == Package.Status.DONE, package.error
    assert package.revision == 7
    assert set(package.files) == {"pdf", "docx", "odt", "xlsx", "opendata", "zip"}
    for path in package.files.values():
        assert default_storage.exists(path)
        assert default_storage.size(path) > 1000
    assert package.files["pdf"].endswith("synthese-regionale-auvergne-rhone-alpes-rapport.pdf")
    with default_storage.open(package.files["zip"]) as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert {n.rsplit("-", 1)[-1] for n in names if "/" not in n} == {
        "rapport.pdf", "rapport.docx", "rapport.odt", "propositions.xlsx"}
    assert "donnees-ouvertes/datapackage.json" in names
    assert "donnees-ouvertes/LISEZMOI.md" in names
    assert packages.latest_package(data["synthesis"]) == package


def test_a_second_request_while_queued_returns_the_same_package(data):
    first = _request(data)  # no on-commit run: still queued
    assert _request(data) == first
    assert Package.objects.count() == 1


def test_a_package_stuck_by_a_dead_worker_does_not_block_a_new_one(data):
    stuck = _request(data)
    Package.objects.filter(pk=stuck.pk).update(
        status="running", requested_at=timezone.now() - packages.STALE_AFTER * 2)
    assert _request(data) != stuck
    assert Package.objects.count() == 2


def test_refused_when_nothing_is_validated(data):
    draft = SynthesisFactory(campaign=data["campaign"], region=data["region"])
    with pytest.raises(packages.PackageError, match="Rien n’est encore validé"):
        _request(data, synthesis=draft)
    assert not Package.objects.exists()


def test_refused_when_the_crsa_adopted_nothing(data):
    for group in data["groups"]:
        group.decision.outcome = "rejected"
        group.decision.save()
    with pytest.raises(packages.PackageError, match="Aucune proposition n’a été adoptée"):
        _request(data)
    assert not Package.objects.exists()


def test_new_draft_edition_packages_the_transmitted_one(data):
    synthesis = data["synthesis"]
    synthesis.state = "transmitted"
    synthesis.save()
    draft = SynthesisFactory(campaign=data["campaign"], region=data["region"], previous=synthesis,
                             edition=2)
    package = _request(data, synthesis=draft)
    assert package.synthesis == synthesis


@pytest.mark.parametrize("who", ["cts_elsewhere", "ars_elsewhere", "no_membership", "cts_here"])
def test_refused_outside_scope(data, who):
    user = {
        "cts_elsewhere": lambda: organiser_of(territory_of("28")),
        "ars_elsewhere": lambda: agency_organiser("24"),
        "no_membership": UserFactory,
        # A CTS of the region does not act on the regional synthesis.
        "cts_here": lambda: organiser_of(data["days"][0].health_territory),
    }[who]()
    with pytest.raises(PermissionDenied):
        _request(data, user=user)
    assert not Package.objects.exists()


def test_failure_is_recorded_with_its_message(data, monkeypatch,
                                              django_capture_on_commit_callbacks):
    def broken(_data):
        raise RuntimeError("police introuvable")

    monkeypatch.setattr(report, "docx", broken)
    with django_capture_on_commit_callbacks(execute=True):
        package = _request(data)
    package.refresh_from_db()
    assert package.status == Package.Status.FAILED
    assert "police introuvable" in package.error
    assert package.files == {}
    assert packages.latest_package(data["synthesis"]) is None


def test_pdf_process_reports_weasyprint_failure(tmp_path):
    from concertation.synthesis.pdf_process import PdfProcess

    blocked = tmp_path / "bloque.pdf"
    blocked.mkdir()  # WeasyPrint cannot write a file where a folder is
    with pytest.raises(RuntimeError, match="la mise en page du PDF a échoué : IsADirectoryError"):
        PdfProcess("<p>Bonjour</p>", blocked).wait()
    ok = PdfProcess("<h1>Dossier</h1>", tmp_path / "rapport.pdf").wait()
    assert ok.read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "rapport.html").exists()
