"""Private files (docs/architecture.md §3): assignment uploads, paid-course PDFs and H5P packages,
certificates. They live in the "private" storage, which is never served by URL: a view
asks the access policy, then calls `private_file_response`, which streams the file from
local disk or redirects to a short-lived signed S3 URL."""

import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.http import FileResponse, HttpResponseRedirect
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string


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


class MediaStorage(Storage):
    """The default storage: public media (images, thumbnails, avatars) in the public backend,
    except the folders in PRIVATE_MEDIA_FOLDERS ("documents/": every Wagtail document, i.e.
    lesson PDFs, uploaded videos and captions), which live in the "private" storage. Wagtail
    gives its documents the default storage; routing their folder here keeps paid lessons'
    files off the public area (no public URL on S3, signed short-lived URLs only, and under
    dev nothing in MEDIA_ROOT that /media/ would serve). They are served only through the
    access-checked views (the lesson's file view, Wagtail's document view behind
    `before_serve_document`)."""

    def __init__(self, public_backend: str = "django.core.files.storage.FileSystemStorage", public_options=None):
        self.public = import_string(public_backend)(**(public_options or {}))

    def backend_for(self, name: str) -> Storage:
        name = str(name or "").lstrip("/")
        for folder in settings.PRIVATE_MEDIA_FOLDERS:
            if name == folder.rstrip("/") or name.startswith(folder):
                return storages["private"]
        return self.public

    # Everything a FileField or Wagtail asks of a storage goes to the backend for the name.
    def _open(self, name, mode="rb"):
        return self.backend_for(name).open(name, mode)

    def _save(self, name, content):
        return self.backend_for(name).save(name, content)

    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        return self.backend_for(name).save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend_for(filename).generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self.backend_for(name).get_available_name(name, max_length=max_length)

    def get_valid_name(self, name):
        return self.public.get_valid_name(name)

    def delete(self, name):
        return self.backend_for(name).delete(name)

    def exists(self, name):
        return self.backend_for(name).exists(name)

    def listdir(self, path):
        return self.backend_for(path).listdir(path)

    def size(self, name):
        return self.backend_for(name).size(name)

    def url(self, name, *args, **kwargs):
        return self.backend_for(name).url(name, *args, **kwargs)

    def path(self, name):
        return self.backend_for(name).path(name)

    def get_accessed_time(self, name):
        return self.backend_for(name).get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend_for(name).get_created_time(name)

    def get_modified_time(self, name):
        return self.backend_for(name).get_modified_time(name)


def storage_for(storage, name: str):
    """The backend that really holds `name` (MediaStorage routes by folder)."""
    backend_for = getattr(storage, "backend_for", None)  # also through default_storage's LazyObject
    return backend_for(name) if backend_for else storage
