"""Demo interactive content: an H5P True/False question about Python lists in the free course
"Python for Beginners" (learners/interactive/demo_content/python-lists-true-false.h5p: the H5P
Hub TrueFalse example's libraries with our own question; README there). Idempotent; a site
seeded before with the Hub example's question (about Oslo) gets the Python one."""

from pathlib import Path

from django.core.files import File

from accounts.demo import demo_user
from blocks.raw import lesson_body
from coursepages.models import CoursePage, H5PPackage, LessonPage, SectionPage
from learners.interactive.h5p import h5p_package_store

PACKAGE = Path(__file__).resolve().parent / "demo_content" / "python-lists-true-false.h5p"
PACKAGE_TITLE = "Python lists: true or false?"
OLD_PACKAGE_TITLE = "Demo: True/False question"  # the Hub example, asking about Oslo
LESSON_SLUG = "quick-check-true-or-false"


def _package(stdout) -> H5PPackage:
    package = H5PPackage.objects.filter(title=PACKAGE_TITLE).first()
    if package and package.content_path:
        return package
    package = package or H5PPackage.objects.filter(title=OLD_PACKAGE_TITLE).first()
    if package:
        package.title = PACKAGE_TITLE
    with open(PACKAGE, "rb") as handle:
        package = h5p_package_store(
            package=package or H5PPackage(title=PACKAGE_TITLE), upload=File(handle, name=PACKAGE.name)
        )
    stdout.write(f"uploaded H5P package {package.title} ({package.main_library})")
    return package


def seed(*, stdout):
    course = CoursePage.objects.filter(slug="python-for-beginners").first()
    if course is None:
        return
    if LessonPage.objects.descendant_of(course).filter(slug=LESSON_SLUG).exists():
        if H5PPackage.objects.filter(title=OLD_PACKAGE_TITLE).exists():
            _package(stdout)  # replaces the stored Oslo question in place: the lesson keeps its block
        return
    package = _package(stdout)
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
                ("h5p", {"title": "Python lists: true or false?", "package": package.pk, "completion": "completed"}),
            ]
        ),
    )
    section.add_child(instance=lesson)
    lesson.save_revision(user=instructor).publish(user=demo_user("admin@lectern.local"))
    stdout.write("added the H5P lesson to Python for Beginners")
