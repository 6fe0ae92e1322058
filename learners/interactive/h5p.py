"""H5P packages without PHP: validate an uploaded .h5p, extract it to private storage for
the h5p-standalone player, and find the files the player asks for.

Validation follows the H5P specification's package rules (h5p.org/documentation/developers/
h5p-specification): a zip with `h5p.json` and `content/content.json` at its root, the main
library and every preloaded dependency present as a library folder, only the file types of
H5P's default whitelist, scripts and styles only inside library folders, and no path that
could escape the extraction folder.
"""

import json
import posixpath
import re
import stat
import uuid
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from coursepages.models import H5PPackage
from learners.interactive.grading import h5p_grading_of, package_content
from learners.interactive.h5p_libraries import h5p_package_libraries_register

# H5P's default content whitelist (H5P core `H5PCore::$defaultContentWhitelist`) plus the
# library-only extensions (`$defaultLibraryWhitelistExtras`: js css).
ALLOWED_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf rtf doc docx "
    "xls xlsx ppt pptx odt ods odp xml csv diff patch swf md textile vtt webvtt".split()
)
LIBRARY_ONLY_EXTENSIONS = frozenset({"js", "css"})
LIBRARY_FOLDER = re.compile(r"^(?P<name>[A-Za-z][\w.-]*?)(?:-(?P<major>\d+)\.(?P<minor>\d+))?$")
CHUNK = 64 * 1024


class H5PValidationError(ValidationError):
    """The package is refused; `messages` say why, each a sentence an instructor can act on."""


@dataclass
class PackageInfo:
    """What validation learned about a package."""

    title: str
    main_library: str  # "H5P.TrueFalse 1.6"
    h5p_json: dict
    libraries: list[str] = field(default_factory=list)  # library folder names
    file_count: int = 0
    extracted_size: int = 0
    ignored: list[str] = field(default_factory=list)  # root files other than h5p.json

    def as_metadata(self) -> dict:
        return {"h5p": self.h5p_json, "libraries": sorted(self.libraries), "ignored": self.ignored}


def _limits() -> tuple[int, int, int, int]:
    return (
        settings.H5P_MAX_PACKAGE_BYTES,
        settings.H5P_MAX_EXTRACTED_BYTES,
        settings.H5P_MAX_FILE_BYTES,
        settings.H5P_MAX_FILES,
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _unsafe_path(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    parts = name.rstrip("/").split("/")
    return any(part in ("..", "") for part in parts[:-1]) or parts[-1] == ".."


def _skipped(name: str) -> bool:
    """Hidden files and OS debris (.DS_Store, __MACOSX/) are ignored, as H5P core does."""
    return any(part.startswith((".", "__MACOSX")) for part in name.split("/") if part)


def _extracted(name: str) -> bool:
    """Only h5p.json and files inside folders are extracted (and so ever served)."""
    return name == "h5p.json" or "/" in name


def _dependency_folder(dependency: dict) -> tuple[str, str]:
    """(versioned folder name, bare name) for a {machineName, majorVersion, minorVersion}."""
    name = str(dependency.get("machineName", ""))
    return f"{name}-{dependency.get('majorVersion')}.{dependency.get('minorVersion')}", name


def _read_json(archive: zipfile.ZipFile, name: str, label: str) -> object:
    try:
        with archive.open(name) as handle:
            return json.loads(handle.read(settings.H5P_MAX_FILE_BYTES + 1).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise H5PValidationError(f"{label} is not valid JSON ({exc}).") from exc


def _check_dependencies(deps: object, label: str) -> list[dict]:
    if not isinstance(deps, list):
        raise H5PValidationError(f"{label}: preloadedDependencies must be a list.")
    for dep in deps:
        if not (
            isinstance(dep, dict)
            and isinstance(dep.get("machineName"), str)
            and str(dep.get("majorVersion", "")).isdigit()
            and str(dep.get("minorVersion", "")).isdigit()
        ):
            raise H5PValidationError(
                f"{label}: each preloaded dependency needs machineName, majorVersion and minorVersion."
            )
    return deps


def h5p_package_inspect(upload) -> PackageInfo:
    """Validate an uploaded .h5p file (any file-like object) and describe it.

    Raises H5PValidationError listing every problem found."""
    max_package, max_extracted, max_file, max_files = _limits()
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > max_package:
        raise H5PValidationError(f"The package is {_megabytes(size)}; the limit is {_megabytes(max_package)}.")
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise H5PValidationError("This is not an H5P package: the file is not a zip archive.") from exc

    with archive:
        problems: list[str] = []
        files = []
        for info in archive.infolist():
            name = info.filename
            if _unsafe_path(name):
                problems.append(f"“{name}” has an absolute or “..” path, which could write outside the package.")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(f"“{name}” is a symbolic link; packages may only contain files.")
                continue
            if info.is_dir() or _skipped(name):
                continue
            files.append(info)
        if problems:
            raise H5PValidationError(problems)

        if len(files) > max_files:
            raise H5PValidationError(f"The package has {len(files)} files; the limit is {max_files}.")
        total = sum(info.file_size for info in files)
        if total > max_extracted:
            raise H5PValidationError(
                f"The package unpacks to {_megabytes(total)}; the limit is {_megabytes(max_extracted)}."
            )
        names = {info.filename for info in files}
        if "h5p.json" not in names:
            raise H5PValidationError("The package has no h5p.json at its root: it is not an H5P package.")
        if "content/content.json" not in names:
            raise H5PValidationError("The package has no content/content.json.")

        h5p_json = _read_json(archive, "h5p.json", "h5p.json")
        if not isinstance(h5p_json, dict):
            raise H5PValidationError("h5p.json must be a JSON object.")
        for key in ("title", "mainLibrary"):
            if not isinstance(h5p_json.get(key), str) or not h5p_json[key].strip():
                problems.append(f"h5p.json has no “{key}”.")
        if "preloadedDependencies" not in h5p_json:
            problems.append("h5p.json has no “preloadedDependencies”.")
        if problems:
            raise H5PValidationError(problems)
        dependencies = _check_dependencies(h5p_json["preloadedDependencies"], "h5p.json")
        if not isinstance(_read_json(archive, "content/content.json", "content/content.json"), dict):
            raise H5PValidationError("content/content.json must be a JSON object.")

        top_folders = {name.split("/", 1)[0] for name in names if "/" in name}
        library_folders = {folder for folder in top_folders if folder != "content"}
        for info in files:
            name = info.filename
            top = name.split("/", 1)[0] if "/" in name else ""
            extension = posixpath.splitext(name)[1].lower().lstrip(".")
            if info.file_size > max_file:
                problems.append(
                    f"“{name}” is {_megabytes(info.file_size)}; one file may be at most {_megabytes(max_file)}."
                )
            if name == "h5p.json":
                continue
            if extension in LIBRARY_ONLY_EXTENSIONS:
                if top not in library_folders:
                    problems.append(f"“{name}”: scripts and styles are only allowed inside library folders.")
            elif extension not in ALLOWED_EXTENSIONS:
                problems.append(f"“{name}”: .{extension or '(no extension)'} files are not allowed in H5P packages.")
        if problems:
            raise H5PValidationError(problems)
        # Other files at the root (a readme, a placeholder) are common in public packages:
        # they are ignored, never extracted nor served.
        ignored_root = sorted(name for name in names if "/" not in name and name != "h5p.json")

        main = next((d for d in dependencies if d["machineName"] == h5p_json["mainLibrary"]), None)
        if main is None:
            raise H5PValidationError(
                f"The main library {h5p_json['mainLibrary']} is not among h5p.json's preloaded dependencies."
            )

        # Walk the preloaded dependencies (h5p.json, then each library.json) and insist that
        # every library is shipped: the player has no library server to fetch it from.
        missing: list[str] = []
        seen: set[str] = set()
        queue = list(dependencies)
        while queue:
            dependency = queue.pop(0)
            versioned, bare = _dependency_folder(dependency)
            if versioned in seen or bare in seen:
                continue
            folder = versioned if versioned in library_folders else bare if bare in library_folders else None
            if folder is None:
                missing.append(versioned.replace("-", " ", 1))
                seen.add(versioned)
                continue
            seen.add(folder)
            library_json_name = f"{folder}/library.json"
            if library_json_name not in names:
                problems.append(f"The library folder {folder} has no library.json.")
                continue
            library = _read_json(archive, library_json_name, library_json_name)
            if not isinstance(library, dict):
                problems.append(f"{library_json_name} must be a JSON object.")
                continue
            queue.extend(_check_dependencies(library.get("preloadedDependencies", []), library_json_name))
        if missing:
            problems.insert(
                0,
                "These libraries are missing from the package: " + ", ".join(missing) + ". "
                "Export the content again with its libraries included (on h5p.org, download the "
                "content type's example .h5p, which bundles them).",
            )
        if problems:
            raise H5PValidationError(problems)

        bad = archive.testzip()
        if bad:
            raise H5PValidationError(f"“{bad}” is damaged inside the zip (checksum mismatch).")

    return PackageInfo(
        title=h5p_json["title"].strip(),
        main_library=f"{main['machineName']} {main['majorVersion']}.{main['minorVersion']}",
        h5p_json=h5p_json,
        libraries=sorted(seen & library_folders),
        file_count=len(files) - len(ignored_root),
        extracted_size=total - sum(info.file_size for info in files if info.filename in ignored_root),
        ignored=ignored_root,
    )


def _storage():
    return storages["private"]


def _extract(upload, prefix: str) -> int:
    """Copy each file of the (validated) archive under `prefix`; returns bytes written.

    Sizes are counted while reading, so a zip whose headers understate its sizes cannot
    get past the limits that validation checked against those headers."""
    _, max_extracted, max_file, _ = _limits()
    storage = _storage()
    written = 0
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        for info in archive.infolist():
            if info.is_dir() or _skipped(info.filename) or not _extracted(info.filename):
                continue
            data = bytearray()
            with archive.open(info) as handle:
                while chunk := handle.read(CHUNK):
                    data += chunk
                    if len(data) > max_file or written + len(data) > max_extracted:
                        raise H5PValidationError(f"“{info.filename}” unpacks to more than its zip entry declares.")
            written += len(data)
            storage.save(f"{prefix}/{info.filename}", ContentFile(bytes(data)))
    return written


def _delete_tree(prefix: str):
    if not prefix:
        return
    storage = _storage()
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_tree(f"{prefix}/{folder}")
    if hasattr(storage, "path"):  # local disk: remove the emptied folder too
        import os

        try:
            os.rmdir(storage.path(prefix))
        except OSError:
            pass


def h5p_package_store(*, package: H5PPackage, upload, user=None) -> H5PPackage:
    """Validate `upload`, extract it to a fresh folder of private storage and save `package`
    (new or replacing its file). A refused package changes nothing."""
    info = h5p_package_inspect(upload)
    prefix = f"h5p/content/{uuid.uuid4().hex}"
    try:
        extracted = _extract(upload, prefix)
    except Exception:
        _delete_tree(prefix)
        raise
    previous = package.content_path if package.pk else ""
    upload.seek(0)
    package.title = package.title or info.title
    package.main_library = info.main_library
    package.content_path = prefix
    package.metadata = {
        **info.as_metadata(),
        "grading": h5p_grading_of(library=info.main_library, content=package_content(package)),
    }
    package.file_size = getattr(upload, "size", 0) or 0
    package.extracted_size = extracted
    package.file_count = info.file_count
    if user is not None and package.uploaded_by_id is None:
        package.uploaded_by = user
    package.file.save(getattr(upload, "name", "package.h5p").rsplit("/", 1)[-1], upload, save=False)
    try:
        with transaction.atomic():
            package.save()
            # Its library code: matched against approved libraries, or held for an admin.
            h5p_package_libraries_register(package=package, user=user)
    except Exception:
        _delete_tree(prefix)
        raise
    if previous and previous != prefix:
        transaction.on_commit(lambda: _delete_tree(previous))
    return package


def h5p_package_delete_files(*, package: H5PPackage):
    """Remove a package's extracted folder and its .h5p (after the row is deleted)."""
    _delete_tree(package.content_path)
    if package.file:
        package.file.storage.delete(package.file.name)


def h5p_file_name(*, package: H5PPackage, path: str) -> str | None:
    """The storage name of one extracted file of `package`, or None for a path that could
    leave the package folder."""
    if not package.content_path or _unsafe_path(path) or path.endswith("/") or _skipped(path) or not _extracted(path):
        return None
    normal = posixpath.normpath(path)
    if normal != path or normal.startswith("../"):
        return None
    return f"{package.content_path}/{path}"


# Files the player loads, served inline to it; everything else in a package (SVG, HTML, XML,
# text, office documents…) is only ever a download. Scripts only from library folders.
PLAYED_EXTENSIONS = frozenset(
    "json css png jpg jpeg gif webp woff woff2 ttf otf eot mp3 m4a wav ogg webm mp4 vtt webvtt".split()
)


def h5p_file_played(path: str) -> bool:
    """Whether a package file may be served inline (to the sandboxed player) rather than as
    a download: an allow-listed type, or a script inside a library folder."""
    extension = posixpath.splitext(path)[1].lower().lstrip(".")
    if extension == "js":
        return "/" in path and path.split("/", 1)[0] != "content"
    return extension in PLAYED_EXTENSIONS


CONTENT_PATH = "content/content.json"


def h5p_content_without_retry(content):
    """A copy of a package's content.json with H5P's own in-content Retry switched off, for
    blocks that allow one attempt: every `enableRetry` behaviour (TrueFalse, MultiChoice,
    Blanks, Drag the Words, Mark the Words, Single Choice Set and the questions of a set) is
    false and a Question Set's `override.retryButton` is "off". The server refuses a second
    answer either way; this only spares the student a button that cannot count."""
    if isinstance(content, list):
        return [h5p_content_without_retry(item) for item in content]
    if not isinstance(content, dict):
        return content
    copied = {key: h5p_content_without_retry(value) for key, value in content.items()}
    if "enableRetry" in copied:
        copied["enableRetry"] = False
    if isinstance(copied.get("override"), dict) and "retryButton" in copied["override"]:
        copied["override"] = {**copied["override"], "retryButton": "off"}
    return copied


PLAYER_TOKEN_SALT = "lectern.h5p.player"


def h5p_player_token(*, user, lesson_id: int, block_id: str) -> str:
    """A signed, expiring capability for one viewer's player of one block: the sandboxed
    player (an opaque origin, without the site's cookies) loads the package with it."""
    return signing.dumps(
        {"u": user.pk if user is not None and user.is_authenticated else None, "l": lesson_id, "b": block_id},
        salt=PLAYER_TOKEN_SALT,
        compress=True,
    )


def h5p_player_token_read(token: str) -> dict | None:
    """The {u, l, b} of a valid token, or None (bad signature or older than
    H5P_PLAYER_TOKEN_HOURS)."""
    try:
        data = signing.loads(token, salt=PLAYER_TOKEN_SALT, max_age=settings.H5P_PLAYER_TOKEN_HOURS * 3600)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int) or not isinstance(data.get("b"), str):
        return None
    return data
