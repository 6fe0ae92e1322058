"""Private files (docs/architecture.md §3): assignment uploads, paid-course PDFs and H5P packages,
certificates. They live in the "private" storage, which is never served by URL: a view
asks the access policy, then calls `private_file_response`, which streams the file from
local disk or redirects to a short-lived signed S3 URL."""

import mimetypes
from pathlib import PurePosixPath

from django.core.files.storage import storages
from django.http import FileResponse, HttpResponseRedirect
from django.utils.functional import LazyObject, empty


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage():
    """The storage for FileFields that hold private files (a callable, so migrations
    refer to it by name and tests can point it elsewhere)."""
    return _private


def reset_private_storage():
    """Forget the cached backend (tests change STORAGES)."""
    _private._wrapped = empty


def private_file_response(name: str, *, download_name: str | None = None, as_attachment: bool = False):
    """Serve a private file to a user the caller has already authorised."""
    storage = storages["private"]
    filename = download_name or PurePosixPath(name).name
    if hasattr(storage, "bucket_name"):  # S3: a signed URL valid for AWS_QUERYSTRING_EXPIRE seconds
        disposition = "attachment" if as_attachment else "inline"
        return HttpResponseRedirect(
            storage.url(name, parameters={"ResponseContentDisposition": f'{disposition}; filename="{filename}"'})
        )
    content_type, _ = mimetypes.guess_type(filename)
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=as_attachment,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
