"""Uploads stop at their limit while they stream in.

The request body middleware refuses a body whose Content-Length is past `MAX_REQUEST_BODY`,
but below that a file past `MAX_DOCUMENT_SIZE` (the largest any form takes) was still read
whole, to memory then to a temporary file on disk, before its form said it was too big. This
handler comes first in `FILE_UPLOAD_HANDLERS`: it sees each chunk before the handlers that
keep it, and stops the request at the first byte past the limit, so no more than the limit
of any one file is ever kept. The error is a `RequestDataTooBig`, which Django answers
through `handler400`: the French « Fichier trop volumineux » page (413)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadTooLarge(RequestDataTooBig):
    """A file of the request passed `MAX_DOCUMENT_SIZE` while it was read."""


class LimitedUploadHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # `start` is the offset of this chunk in the file being read.
        if start + len(raw_data) > settings.MAX_DOCUMENT_SIZE:
            # Django closes the files it finished on an error, not the one being read: the
            # temporary file goes now (closing it deletes it).
            for handler in self.request.upload_handlers:
                if getattr(handler, "file", None) is not None:
                    handler.file.close()
            raise UploadTooLarge(
                f"A file passed MAX_DOCUMENT_SIZE ({settings.MAX_DOCUMENT_SIZE} bytes).")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handlers build the file.
        return None
