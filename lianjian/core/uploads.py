"""The size limit of every uploaded file, applied while the request body is received.

Django stores an uploaded file (in memory or in a temporary file) before any view sees it,
and the middlewares that read the form (CSRF, the NUL check) trigger that for every POST.
:class:`SizeLimitUploadHandler`, first in ``FILE_UPLOAD_HANDLERS``, stops receiving as soon
as a file passes ``settings.IMPORT_MAX_BYTES`` — the largest file any screen accepts (an
import workbook; agreements, photos and scheme files have lower limits of their own) — so
nothing beyond it is kept anywhere. The rest of the body is read and discarded, and the
request carries ``upload_over_limit = True`` for the view to say why the file is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes each chunk on to the next handler until the file exceeds the limit."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.IMPORT_MAX_BYTES:
            self.request.upload_over_limit = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
