"""Demo interactive content: an H5P True/False question in the free course "Python for
Beginners" (the package is the H5P Hub example in learners/interactive/demo_content/). The
demo's admin installs (approves) the H5P libraries of the packages in demo_content/, as an
admin would before instructors upload content that uses them. Idempotent."""

from pathlib import Path

from django.core.files import File

from accounts.demo import demo_user
from blocks.raw import lesson_body
from coursepages.models import CoursePage, H5PPackage, LessonPage, SectionPage
from learners.interactive.h5p import h5p_package_store
from learners.interactive.h5p_libraries import h5p_library_approve, h5p_package_libraries_register

PACKAGE = Path(__file__).resolve().parent / "demo_content" / "H5P.TrueFalse.h5p"
PACKAGE_TITLE = "Demo: True/False question"
LESSON_SLUG = "quick-check-true-or-false"


def _package(stdout) -> H5PPackage:
    package = H5PPackage.objects.filter(title=PACKAGE_TITLE).first()
    if not (package and package.content_path):
        with open(PACKAGE, "rb") as handle:
            package = h5p_package_store(
                package=package or H5PPackage(title=PACKAGE_TITLE), upload=File(handle, name=PACKAGE.name)
            )
        stdout.write(f"uploaded H5P package {package.title} ({package.main_library})")
    if not package.libraries.exists():  # stored before libraries were registered
        h5p_package_libraries_register(package=package)
    admin = demo_user("admin@lectern.local")
    pending = [library for library in package.libraries.all() if library.status != library.Status.APPROVED]
    for library in pending:
        h5p_library_approve(library=library, user=admin)
    if pending:
        stdout.write(f"installed (approved) {len(pending)} H5P libraries of the demo packages")
    return package


def seed(*, stdout):
    course = CoursePage.objects.filter(slug="python-for-beginners").first()
    if course is None:
        return
    package = _package(stdout)
    if LessonPage.objects.descendant_of(course).filter(slug=LESSON_SLUG).exists():
        return
    section = SectionPage.objects.child_of(course).order_by("path").first()
    if section is None:
        return
    instructor = course.owner or demo_user("thandi@lectern.local")
    lesson = LessonPage(
        title="Quick check: true or false?",
        slug=LESSON_SLUG,
        owner=instructor,
        live=True,
        estimated_minutes=2,
        body=lesson_body(
            [
                (
                    "rich_text",
                    "<p>An interactive question played in the page by H5P. Answer it and press "
                    "<em>Check</em>: the lesson completes when you have answered.</p>",
                ),
                ("h5p", {"title": "True or false?", "package": package.pk, "completion": "completed"}),
            ]
        ),
    )
    section.add_child(instance=lesson)
    lesson.save_revision(user=instructor).publish(user=demo_user("admin@lectern.local"))
    stdout.write("added the H5P lesson to Python for Beginners")
