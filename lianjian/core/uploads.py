"""The size limit of every uploaded file, applied while the request body is received.

Django stores an uploaded file (in memory or in a temporary file) before any view sees it,
and the middlewares that read the form (CSRF, the NUL check) trigger that for every POST.
:class:`SizeLimitUploadHandler`, first in ``FILE_UPLOAD_HANDLERS``, stops receiving as soon
as a file passes ``settings.IMPORT_MAX_BYTES`` — the largest file any screen accepts (an
import workbook; agreements, photos and scheme files have lower limits of their own) — so
nothing beyond it is kept anywhere. The rest of the body is read and discarded, and
:func:`upload_over_limit` tells the view why the file is missing.

:func:`check_upload` is the check every stored file passes (agreement scans, resource
photos): its size and its type by content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
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


# The file types the screens accept, recognised by their first bytes (never by the name a
# client sends), and the extension a stored file gets for each.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed :func:`check_upload`: the fields of its
    :class:`lianjian.core.models.UploadedFile` record and the extension to store it under."""

    name: str
    size: int
    content_type: str
    uploaded_by: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def record_fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "uploaded_by": self.uploaded_by,
        }


@dataclass(frozen=True)
class UploadRule:
    """What one kind of stored file accepts: its types (by content), its size limit, the
    messages of a refusal, and the name shown when the client sent none."""

    types: tuple[str, ...]
    max_bytes: int
    too_large: str
    wrong_type: str
    default_name: str

    def check(self, upload: Any, actor: Any) -> CheckedUpload:
        return check_upload(
            upload,
            actor=actor,
            types=self.types,
            max_bytes=self.max_bytes,
            too_large=self.too_large,
            wrong_type=self.wrong_type,
            default_name=self.default_name,
        )


def store_upload(record: Any, upload: Any, stem: str, checked: CheckedUpload) -> None:
    """Store ``upload`` as ``record.file`` and save the record. The stored name's extension
    follows the detected content, never the client's name: PNG bytes named "x.html" must
    not land on disk as an .html file."""
    record.file.save(f"{stem}.{checked.extension}", upload, save=False)
    record.save()


def check_upload(
    upload: Any,
    *,
    actor: Any,
    types: tuple[str, ...],
    max_bytes: int,
    too_large: str,
    wrong_type: str,
    default_name: str,
) -> CheckedUpload:
    """Check an uploaded file before it is stored: not empty, at most ``max_bytes``, and
    of one of ``types`` by its content (magic bytes). Raises ``ValidationError`` with
    ``too_large`` or ``wrong_type``; the shown name is the client's base name (at most
    200 characters) or ``default_name``."""
    size = upload.size or 0
    if size <= 0:
        raise ValidationError("文件为空")
    if size > max_bytes:
        raise ValidationError(too_large)
    head = upload.read(16)
    upload.seek(0)
    kind = next((ct for ct in types if any(head.startswith(m) for m in SIGNATURES[ct])), None)
    if kind is None:
        raise ValidationError(wrong_type)
    return CheckedUpload(
        name=(getattr(upload, "name", "") or default_name).rsplit("/", 1)[-1][:200],
        size=size,
        content_type=kind,
        uploaded_by=actor.get_username() if actor else "系统",
    )
