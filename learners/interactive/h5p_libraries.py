"""Trusted H5P libraries. Library code (every folder of a package but `content/`: `H5P.*`,
`FontAwesome`, `jQuery.ui`…) runs in the player of every package that uses it, so it is
installed by an admin, not by whoever uploads content.

When a package is stored, each of its library folders is registered as an `H5PLibrary`
(machine name, major.minor.patch from its library.json, and a checksum of the folder's files).
A folder whose name, version and checksum match an approved library is that library; anything
else (a new library, a new version, or the same version with changed code) is held *pending*
with the uploader's name, and the package does not play, and its lessons cannot be published,
until an admin approves it in *H5P libraries*. Libraries uploaded by a superuser count as
installed by an admin (approved at once)."""

import hashlib
import json

from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from coursepages.models import H5PLibrary, H5PPackage
from learners.enrollment.services import LearningError

LIBRARY_FOLDER_EXCLUDED = ("content",)


def _storage():
    return storages["private"]


def _walk(prefix: str, relative: str = ""):
    """Relative paths of every file under `prefix` in storage."""
    try:
        folders, files = _storage().listdir(f"{prefix}/{relative}".rstrip("/"))
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{relative}{name}"
    for folder in sorted(folders):
        yield from _walk(prefix, f"{relative}{folder}/")


def library_checksum(files: dict[str, bytes]) -> str:
    """SHA-256 over the folder's files: each line is the file's path in the folder and the
    SHA-256 of its bytes, in path order (so a renamed, added, removed or changed file changes it)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{hashlib.sha256(files[path]).hexdigest()}\n".encode())
    return digest.hexdigest()


def _version_part(value) -> int:
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else 0


def package_library_folders(package: H5PPackage) -> list[dict]:
    """[{folder, machine_name, major, minor, patch, title, checksum, file_count}] for each
    library folder of the stored package, read from storage (what is actually served)."""
    storage = _storage()
    try:
        folders, _ = storage.listdir(package.content_path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for folder in sorted(folders):
        if folder in LIBRARY_FOLDER_EXCLUDED:
            continue
        prefix = f"{package.content_path}/{folder}"
        files = {}
        for path in _walk(prefix):
            with storage.open(f"{prefix}/{path}") as handle:
                files[path] = handle.read()
        try:
            meta = json.loads(files.get("library.json", b"{}").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            meta = {}
        meta = meta if isinstance(meta, dict) else {}
        name, _, version = folder.partition("-")
        major, _, minor = version.partition(".")
        found.append(
            {
                "folder": folder,
                "machine_name": str(meta.get("machineName") or name)[:255],
                "major": _version_part(meta.get("majorVersion", major)),
                "minor": _version_part(meta.get("minorVersion", minor)),
                "patch": _version_part(meta.get("patchVersion", 0)),
                "title": str(meta.get("title") or "")[:255],
                "checksum": library_checksum(files),
                "file_count": len(files),
            }
        )
    return found


def h5p_package_libraries_register(*, package: H5PPackage, user=None) -> list[H5PLibrary]:
    """Link `package` to the libraries its folders hold, creating pending ones for code no
    admin has approved; returns the libraries still pending."""
    admin = user is not None and user.is_active and user.is_superuser
    libraries = []
    for found in package_library_folders(package):
        key = {
            "machine_name": found["machine_name"],
            "major_version": found["major"],
            "minor_version": found["minor"],
            "patch_version": found["patch"],
            "checksum": found["checksum"],
        }
        try:
            with transaction.atomic():
                library, _ = H5PLibrary.objects.get_or_create(
                    **key,
                    defaults={
                        "title": found["title"],
                        "file_count": found["file_count"],
                        "uploaded_by": user if user is not None and user.is_authenticated else None,
                        "first_package": package,
                    },
                )
        except IntegrityError:  # registered at the same moment by another upload
            library = H5PLibrary.objects.get(**key)
        if library.status != H5PLibrary.Status.APPROVED and admin:
            h5p_library_approve(library=library, user=user)
        libraries.append(library)
    package.libraries.set(libraries)
    return [library for library in libraries if library.status != H5PLibrary.Status.APPROVED]


def h5p_library_approve(*, library: H5PLibrary, user) -> H5PLibrary:
    """An admin installs (approves) a library version with this exact code."""
    if user is None or not user.is_superuser:
        raise LearningError("Only an administrator can approve H5P library code.", "permission_denied")
    if library.status == H5PLibrary.Status.APPROVED:
        return library
    library.status = H5PLibrary.Status.APPROVED
    library.approved_by, library.approved_at = user, timezone.now()
    library.save(update_fields=["status", "approved_by", "approved_at"])
    log(instance=library, action="learners.h5p_library_approved", user=user)
    return library


def h5p_package_playable(package: H5PPackage | None) -> bool:
    """Whether every library folder of the package is approved code."""
    return bool(package) and bool(package.content_path) and package.libraries_trusted


def h5p_package_untrusted_message(package: H5PPackage) -> str:
    pending = package.untrusted_libraries()
    names = ", ".join(str(library) for library in pending[:6]) + (
        f" and {len(pending) - 6} more" if len(pending) > 6 else ""
    )
    return (
        f"This activity is waiting for an administrator to approve the H5P library code it brings ({names}). "
        "It plays once an administrator approves it under H5P libraries."
    )
