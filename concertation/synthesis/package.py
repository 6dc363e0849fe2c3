"""The transmission package for the ministry: the one write path for `Package` rows.

`request_package` checks the organiser's scope, finds the validated (or transmitted) edition
and records a queued package at that edition's revision; the background task
(`build_package`) then writes the PDF, DOCX, ODT and XLSX report, the open-data set and
a zip of everything into storage, under a random folder name. Storage is not served as is:
`file_response` hands a file out once a view has checked who may read its synthesis."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.tasks import task
from django.utils import timezone
from django.utils.text import slugify

from concertation.accounts.scope import Scope
from concertation.core import jobs
from concertation.core.downloads import basename, serve_file
from concertation.core.public_cache import bump_public_content
from concertation.synthesis import opendata, report, workbook
from concertation.synthesis.models import Decision, Package, Synthesis, SynthesisState
from concertation.synthesis.pdf_process import PdfProcess
from concertation.synthesis.selection import can_manage

log = logging.getLogger(__name__)

PACKAGED_STATES = (SynthesisState.VALIDATED, SynthesisState.TRANSMITTED)
STALE_AFTER = dt.timedelta(minutes=15)  # a package takes well under a minute


class PackageError(ValidationError):
    pass


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    filename: str  # suffix of the downloaded file's name
    content_type: str


FILES = (
    FileKind("pdf", "Rapport (PDF)", "rapport.pdf", "application/pdf"),
    FileKind("docx", "Rapport modifiable (Word, DOCX)", "rapport.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    FileKind("odt", "Rapport modifiable (OpenDocument, ODT)", "rapport.odt",
             "application/vnd.oasis.opendocument.text"),
    FileKind("xlsx", "Propositions, décisions et provenance (tableur XLSX)", "propositions.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    FileKind("opendata", "Données ouvertes (CSV, JSON, schéma et notice, zip)",
             "donnees-ouvertes.zip", "application/zip"),
    FileKind("zip", "Dossier complet (zip)", "dossier-complet.zip", "application/zip"),
)
FILE_KINDS = {f.key: f for f in FILES}


def validated_edition(synthesis: Synthesis) -> Synthesis:
    """The latest validated or transmitted edition: this one, or one it was started from."""
    current: Synthesis | None = synthesis
    while current is not None:
        if current.state in PACKAGED_STATES:
            return current
        current = current.previous
    raise PackageError(
        "Rien n’est encore validé pour cette synthèse : le dossier de transmission se prépare "
        "à partir d’une version validée avec la CRSA."
    )


def request_package(*, scope: Scope, user, synthesis: Synthesis) -> Package:
    """Queue the package of the validated edition of `synthesis`. A package already queued or
    running for that edition and revision is returned instead of starting a second one."""
    if not can_manage(scope, synthesis):
        raise PermissionDenied("Cette synthèse n’est pas dans votre périmètre.")
    # Read afresh: the caller's copy may predate a validation.
    edition = validated_edition(Synthesis.objects.get(pk=synthesis.pk))
    with transaction.atomic():
        locked = Synthesis.objects.select_for_update().get(pk=edition.pk)
        if locked.state not in PACKAGED_STATES:
            raise PackageError("Cette version n’est plus validée : actualisez la page.")
        if not Decision.objects.filter(group__synthesis=locked, group__accepted=True,
                                       outcome__in=report.VALIDATED_OUTCOMES).exists():
            raise PackageError(
                "Aucune proposition n’a été adoptée par la CRSA dans cette version : il n’y a "
                "rien à transmettre."
            )
        # A package left queued or running by a worker that died does not block a new one.
        pending = locked.packages.filter(
            revision=locked.revision, status__in=jobs.PENDING,
            requested_at__gte=timezone.now() - STALE_AFTER,
        ).first()
        if pending is not None:
            return pending
        package = Package.objects.create(synthesis=locked, revision=locked.revision,
                                         requested_by=user)
        transaction.on_commit(lambda: build_package.enqueue(package.pk))
    log.info("package %s of synthesis %s r%s requested", package.pk, locked.pk, locked.revision)
    return package


def latest_package(synthesis: Synthesis) -> Package | None:
    """The newest finished package of this edition (what the public downloads). Any revision
    will do: once validated an edition's proposals no longer change (publishing or marking it
    transmitted bumps the revision, not the content)."""
    return (Package.objects.filter(synthesis=synthesis, status=Package.Status.DONE)
            .order_by("-finished_at", "-id").first())


def file_response(request: HttpRequest, package: Package, kind: str) -> HttpResponse:
    """One file of a finished package, for a view that has checked who may read it."""
    file_kind = FILE_KINDS.get(kind)
    path = package.files.get(kind)
    if file_kind is None or not path:
        raise Http404("Fichier introuvable.")
    return serve_file(request, path, storage=default_storage, filename=basename(path),
                      content_type=file_kind.content_type)


@dataclass
class Timings:
    collect: float = 0.0
    pdf: float = 0.0
    docx: float = 0.0
    odt: float = 0.0
    opendata: float = 0.0
    xlsx: float = 0.0
    zip: float = 0.0

    @property
    def total(self) -> float:
        return sum(vars(self).values())


def build(package_id: int) -> Timings:
    """Generate the files of a queued package; the task's body. A failure is recorded on the
    package with its message, never raised into the worker."""
    rows = Package.objects.filter(pk=package_id)
    if not jobs.claim(rows, step="Préparation des fichiers"):
        return Timings()  # already taken by another worker, or finished
    package = Package.objects.select_related("synthesis").get(pk=package_id)
    try:
        files, timings = generate(package.synthesis)
    except Exception as exc:  # recorded for the organiser; the worker goes on
        log.exception("package %s failed", package_id)
        jobs.fail(rows, jobs.error_message(exc))
        return Timings()
    with transaction.atomic():
        jobs.finish(rows, step="", files=files)
        if package.synthesis.is_public:
            bump_public_content()  # the public page lists the new documents
    return timings


def generate(synthesis: Synthesis) -> tuple[dict, Timings]:
    """Write every file of the package into storage; returns {kind: storage path}."""
    timings = Timings()
    base = f"syntheses/{secrets.token_urlsafe(12)}"
    stem = slugify(synthesis.title)[:60] or "synthese"
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        data = report.collect(synthesis)
        timings.collect = time.perf_counter() - start
        outputs: dict[str, Path] = {}
        open_dir = work / "donnees-ouvertes"
        start = time.perf_counter()
        # The PDF is laid out in a process of its own while the other files are written.
        pdf = PdfProcess(report.render_html(data), work / f"{stem}-{FILE_KINDS['pdf'].filename}")
        timings.pdf = time.perf_counter() - start
        try:
            outputs.update(_documents(data, work, stem, open_dir, timings))
            start = time.perf_counter()
            outputs["pdf"] = pdf.wait()
            timings.pdf += time.perf_counter() - start  # only what the others did not hide
        finally:
            pdf.kill()
        start = time.perf_counter()
        everything = work / f"{stem}-{FILE_KINDS['zip'].filename}"
        _zip(everything, [(outputs[k], outputs[k].name) for k in ("pdf", "docx", "odt", "xlsx")]
             + [(p, f"donnees-ouvertes/{p.name}") for p in sorted(open_dir.iterdir())])
        outputs["zip"] = everything
        for key, path in outputs.items():
            with path.open("rb") as handle:
                files[key] = default_storage.save(f"{base}/{path.name}", File(handle))
        timings.zip = time.perf_counter() - start
    return files, timings


def _documents(data: report.ReportData, work: Path, stem: str, open_dir: Path,
               timings: Timings) -> dict[str, Path]:
    """The editable reports, the open-data set and the workbook."""
    outputs = {}
    for key, writer in (("docx", report.docx), ("odt", report.odt)):
        start = time.perf_counter()
        path = work / f"{stem}-{FILE_KINDS[key].filename}"
        path.write_bytes(writer(data))
        outputs[key] = path
        setattr(timings, key, time.perf_counter() - start)
    start = time.perf_counter()
    opendata.write(data.synthesis, open_dir, participation=data.participation)
    opendata_zip = work / f"{stem}-{FILE_KINDS['opendata'].filename}"
    _zip(opendata_zip, [(p, f"donnees-ouvertes/{p.name}") for p in sorted(open_dir.iterdir())])
    outputs["opendata"] = opendata_zip
    timings.opendata = time.perf_counter() - start
    start = time.perf_counter()
    xlsx = work / f"{stem}-{FILE_KINDS['xlsx'].filename}"
    workbook.write(open_dir, xlsx, data.synthesis.title)
    outputs["xlsx"] = xlsx
    timings.xlsx = time.perf_counter() - start
    return outputs


def _zip(target: Path, members: list[tuple[Path, str]]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, name in members:
            archive.write(path, name)


@task
def build_package(package_id: int) -> None:
    """The background task generating a transmission package's files (see `build`)."""
    build(package_id)
