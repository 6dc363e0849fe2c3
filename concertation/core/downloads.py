"""Protected downloads: the one way an uploaded or generated file leaves the server.

Nothing under MEDIA_ROOT is served as is: a guessable path would hand out a draft day's
document, a project's evidence before labelling or the package of an unpublished synthesis.
Each file has a view of its own app that first fetches the file's object under the same rule as
the object's page (`visible_or_404`), then answers with `serve_file`.

In production the bytes may be handed to the front web server, which sends them faster and
without holding a Python worker: with `MEDIA_ACCEL_REDIRECT_PREFIX` (nginx, an `internal`
location aliasing MEDIA_ROOT, see the README) the view answers an empty response carrying
`X-Accel-Redirect`; with `MEDIA_X_SENDFILE` (Apache's mod_xsendfile, lighttpd) one carrying
`X-Sendfile` and the file's absolute path. With the files in a bucket (MEDIA_STORAGE_URL),
a redirect to a signed URL valid MEDIA_SIGNED_URL_SECONDS. Either way the check stays in
Django, and no object is ever public."""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

# Types a browser may show in the page rather than save: none of them runs a script in the
# site's origin. Anything else is always an attachment, whatever the caller asks.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "text/plain",
                          "text/csv"})


def visible_or_404[M: Model](request: HttpRequest, public: QuerySet[M],
                             scoped: Callable[[], QuerySet[M]], **lookup) -> M:
    """The object if anyone may see it (`public`: the same QuerySet as its public page), or if
    the requesting organiser's scope covers it (`scoped`, called only when the object is not
    public, so that public files cost no scope); 404 otherwise, not 403, so that an
    unpublished object's existence does not leak. A public object costs one query."""
    found = public.filter(**lookup).first()
    if found is None:
        # Anonymous visitors get an empty scope without a query, and an empty scope filters
        # to nothing without one either.
        found = scoped().filter(**lookup).first()
    if found is None:
        raise Http404("Fichier introuvable.")
    return found


def basename(name: str) -> str:
    """The last part of a storage name: what download URLs end with."""
    return posixpath.basename(name or "")


def _clean_filename(filename: str) -> str:
    # The name offered to the browser: no folders, no control characters (a header cannot
    # hold them), never empty.
    filename = basename(filename.replace("\\", "/"))
    filename = "".join(c for c in filename if c.isprintable())
    return filename.strip(". ") or "document"


def serve_file(request: HttpRequest, file: FieldFile | str, *, filename: str | None = None,
               inline: bool = False, content_type: str | None = None,
               storage: Storage | None = None) -> HttpResponse:
    """Answer with the file, once the caller has checked who may read it.

    `file` is a model's FieldFile, or a name in `storage` (the default storage unless given).
    `filename` is what the browser saves it as (the stored name's last part by default);
    `inline` asks the browser to show it, honoured for the harmless types only."""
    if isinstance(file, FieldFile):
        storage, name = file.storage, file.name
    else:
        storage, name = storage or default_storage, file
    if not name or not storage.exists(name):
        raise Http404("Fichier introuvable.")
    filename = _clean_filename(filename or basename(name))
    content_type = (content_type or mimetypes.guess_type(filename)[0]
                    or "application/octet-stream")
    attachment = not (inline and content_type in INLINE_TYPES)
    disposition = content_disposition_header(attachment, filename)
    signed = _signed_url(storage, name, content_type=content_type, disposition=disposition)
    if signed:
        # The bucket sends the bytes; the URL is good for a minute and names the headers the
        # bucket must answer with. The redirect itself is not kept by any cache.
        response = HttpResponseRedirect(signed)
        response["Cache-Control"] = "private, no-store"
        return response
    prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    sendfile_path = _sendfile_path(storage, name)
    if prefix:
        response = HttpResponse(content_type=content_type)
        # nginx takes the URI percent-encoded and maps it to the file under its `alias`.
        response["X-Accel-Redirect"] = "/" + prefix.strip("/") + "/" + quote(name)
    elif sendfile_path:
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = sendfile_path
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # A file may stop being public (a withdrawn synthesis, a day back in draft): no shared
    # cache keeps a copy to hand out after that.
    response["Cache-Control"] = "private"
    return response


def _sendfile_path(storage: Storage, name: str) -> str:
    """The absolute path for `X-Sendfile`, when that is configured and can carry it."""
    if not getattr(settings, "MEDIA_X_SENDFILE", False):
        return ""
    try:
        path = storage.path(name)
    except NotImplementedError:  # a remote storage has no local path: Django streams it
        return ""
    # The header carries the path unencoded; one that is not plain ASCII is streamed by
    # Django rather than sent mangled.
    return path if path.isascii() else ""


def _signed_url(storage: Storage, name: str, *, content_type: str, disposition: str | None) -> str:
    """A short-lived signed URL of an object in a bucket (MEDIA_STORAGE_URL), carrying the
    headers the bucket must answer with; "" for the local disk or when switched off."""
    seconds = getattr(settings, "MEDIA_SIGNED_URL_SECONDS", 0)
    if not seconds or not getattr(storage, "querystring_auth", False):
        return ""
    parameters = {"ResponseContentType": content_type, "ResponseCacheControl": "private"}
    if disposition:
        parameters["ResponseContentDisposition"] = disposition
    return str(storage.url(name, parameters=parameters, expire=seconds))  # type: ignore[call-arg]
