"""Builders shared by the interactive-content tests: real H5P packages from the shared
fixtures, crafted bad packages, and courses with interactive blocks."""

import io
import json
import zipfile
from pathlib import Path

from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from coursepages.models import H5PPackage
from learners.enrollment.services import enrollment_create
from learners.interactive.h5p import h5p_package_store
from tests.factories import make_course

FIXTURES = Path("/work/shared/fixtures")
H5P_FIXTURES = FIXTURES / "h5p"
XAPI_FIXTURES = FIXTURES / "xapi"


def fixture_upload(name: str = "H5P.TrueFalse.h5p") -> File:
    return File(open(H5P_FIXTURES / name, "rb"), name=name)


def library_admin():
    from accounts.models import User

    admin = User.objects.filter(email="libraries-admin@example.com").first()
    return admin or User.objects.create_superuser(email="libraries-admin@example.com", password="x")


def libraries_installed(package: H5PPackage) -> H5PPackage:
    """An admin approves the package's library code (as the demo seed does for its packages)."""
    from learners.interactive.h5p_libraries import h5p_library_approve

    admin = library_admin()
    for library in package.libraries.all():
        h5p_library_approve(library=library, user=admin)
    return package


def stored_package(name: str = "H5P.TrueFalse.h5p", title: str = "", *, installed: bool = True) -> H5PPackage:
    """A fixture package uploaded by an instructor, its libraries approved by an admin unless
    `installed` is False."""
    upload = fixture_upload(name)
    try:
        package = h5p_package_store(package=H5PPackage(title=title), upload=upload)
    finally:
        upload.close()
    return libraries_installed(package) if installed else package


def xapi_fixture(name: str) -> dict:
    return json.loads((XAPI_FIXTURES / name).read_text())


def crafted_zip(files: dict[str, bytes | str], *, name: str = "crafted.h5p") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def minimal_package_files(**overrides) -> dict:
    """The smallest valid package: one library with no dependencies."""
    files = {
        "h5p.json": json.dumps(
            {
                "title": "Tiny",
                "mainLibrary": "H5P.Tiny",
                "language": "en",
                "embedTypes": ["div"],
                "preloadedDependencies": [{"machineName": "H5P.Tiny", "majorVersion": 1, "minorVersion": 0}],
            }
        ),
        "content/content.json": json.dumps({"text": "hello"}),
        "H5P.Tiny-1.0/library.json": json.dumps(
            {
                "title": "Tiny",
                "machineName": "H5P.Tiny",
                "majorVersion": 1,
                "minorVersion": 0,
                "patchVersion": 0,
                "runnable": 1,
                "preloadedJs": [{"path": "tiny.js"}],
            }
        ),
        "H5P.Tiny-1.0/tiny.js": "var H5P = H5P || {};",
    }
    files.update(overrides)
    return {path: data for path, data in files.items() if data is not None}


def h5p_course(
    package: H5PPackage, *, completion: str = "completed", pricing: str = "free", price_cents: int = 0, extra_items=()
):
    course = make_course(
        pricing=pricing,
        price_cents=price_cents,
        sections=[
            (
                "Activities",
                [
                    (
                        "H5P lesson",
                        [("h5p", {"title": "Try it", "package": package.pk, "completion": completion}), *extra_items],
                        {},
                    )
                ],
            ),
        ],
    )
    lesson = course.lessons().specific().get()
    block_id = next(child.id for child in lesson.body if child.block_type == "h5p")
    return course, lesson, block_id


def enrolled(user, course):
    enrollment_create(user=user, course=course)
    return user


def ensure_site_tree():
    """Browser journeys flush the database between tests, which removes the page tree and
    root collection the migrations built: put back root → home → catalog, the default site
    and the root collection if missing."""
    from wagtail.models import Collection, Locale, Page, Site

    from coursepages.models import CourseIndexPage, HomePage

    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    if CourseIndexPage.objects.exists():
        return
    locale, _ = Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    home = HomePage.objects.first() or root.add_child(instance=HomePage(title="Home", slug="home", locale=locale))
    Site.objects.get_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    home.add_child(instance=CourseIndexPage(title="Courses", slug="courses", locale=locale))


def repackaged(main_library: str, content: dict, *, base: str = "H5P.QuestionSet.h5p", title: str = "") -> H5PPackage:
    """A stored package whose main library is `main_library` ("H5P.Blanks 1.12") and whose
    content.json is `content`, with the real library folders of the fixture `base` (the
    QuestionSet fixture carries Blanks, DragText, MarkTheWords, MultiChoice and TrueFalse)."""
    name, version = main_library.split(" ")
    major, minor = (int(part) for part in version.split("."))
    files: dict[str, bytes | str] = {}
    with zipfile.ZipFile(H5P_FIXTURES / base) as archive:
        h5p = json.loads(archive.read("h5p.json"))
        for info in archive.infolist():
            if not info.is_dir() and info.filename not in ("h5p.json", "content/content.json"):
                files[info.filename] = archive.read(info)
    h5p.update(
        {
            "title": title or name,
            "mainLibrary": name,
            "preloadedDependencies": [{"machineName": name, "majorVersion": major, "minorVersion": minor}],
        }
    )
    files["h5p.json"] = json.dumps(h5p)
    files["content/content.json"] = json.dumps(content)
    return libraries_installed(
        h5p_package_store(package=H5PPackage(title=title), upload=crafted_zip(files, name=f"{name}.h5p"))
    )
