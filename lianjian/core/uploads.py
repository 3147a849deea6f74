"""The size limit of every uploaded file, applied while the request body is received.

Django stores an uploaded file (in memory or in a temporary file) before any view sees it,
and the middlewares that read the form (CSRF, the NUL check) trigger that for every POST.
:class:`SizeLimitUploadHandler`, first in ``FILE_UPLOAD_HANDLERS``, stops receiving as soon
as a file passes ``settings.IMPORT_MAX_BYTES`` — the largest file any screen accepts (an
import workbook; agreements, photos and scheme files have lower limits of their own) — so
nothing beyond it is kept anywhere. The rest of the body is read and discarded, and
:func:`upload_over_limit` tells the view why the file is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

# Kept in request.META, as Django keeps its own per-request flags (CSRF_COOKIE).
_OVER_LIMIT = "LIANJIAN_UPLOAD_OVER_LIMIT"


def upload_over_limit(request: HttpRequest) -> bool:
    """Whether a file of ``request`` was stopped at ``settings.IMPORT_MAX_BYTES``."""
    return bool(request.META.get(_OVER_LIMIT))


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes each chunk on to the next handler until the file exceeds the limit."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.IMPORT_MAX_BYTES:
            if self.request is not None:
                self.request.META[_OVER_LIMIT] = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
