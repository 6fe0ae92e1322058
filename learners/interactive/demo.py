"""Demo interactive content in the free course "Python for Beginners": an H5P True/False
question about Python lists (learners/interactive/demo_content/python-lists-true-false.h5p: the
H5P Hub TrueFalse example's libraries with our own question; README there), and the demo AI
tutor (demotool/, an LTI 1.3 tool served by this site) registered as an LTI tool and launched by
an AI-tool lesson. Idempotent; a site seeded before with the Hub example's question (about Oslo)
gets the Python one. The demo's admin installs (approves) the H5P libraries of the packages in
demo_content/, as an admin would before instructors upload content that uses them; with
DEMO_H5P_PACKAGES (a folder of .h5p files: `make run` passes ../shared/fixtures/h5p when it is
there) the admin also uploads those packages, which installs their libraries, so an instructor's
upload of any of them plays at once."""

import os
from pathlib import Path

from django.core.files import File
from django.urls import reverse

from accounts.demo import demo_user
from blocks.raw import lesson_body
from coursepages.models import CoursePage, H5PPackage, LessonPage, SectionPage
from demotool.services import CLIENT_ID, DEPLOYMENT_ID, TOOL_NAME, tutor_public_key_pem
from learners.interactive.h5p import h5p_package_store
from learners.interactive.h5p_libraries import h5p_library_approve, h5p_package_libraries_register
from learners.models import LTITool

PACKAGE = Path(__file__).resolve().parent / "demo_content" / "python-lists-true-false.h5p"
PACKAGE_TITLE = "Python lists: true or false?"
OLD_PACKAGE_TITLE = "Demo: True/False question"  # the Hub example, asking about Oslo
LESSON_SLUG = "quick-check-true-or-false"
TUTOR_LESSON_SLUG = "practice-vat-with-the-tutor"


def demo_tutor_tool() -> LTITool:
    """The demo tutor's LTI registration, as a school admin would enter it in *LTI tools*:
    its login and launch URLs are paths (the tool is served by this site) and its public key
    is pasted."""
    tool = LTITool.objects.filter(client_id=CLIENT_ID).first()
    if tool is None:
        tool = LTITool(client_id=CLIENT_ID)
    tool.name = TOOL_NAME
    tool.deployment_id = DEPLOYMENT_ID
    tool.login_url = reverse("demotool:login")
    tool.launch_url = reverse("demotool:launch")
    tool.public_key_pem = tool.public_key_pem or tutor_public_key_pem()
    tool.send_names = True
    tool.save()
    return tool


def tutor_block(tool: LTITool) -> dict:
    """The AI-tool block that launches the demo tutor: complete at 2 of 3 (60%)."""
    return {
        "title": "VAT tutor",
        "tool_url": reverse("demotool:launch"),
        "lti_tool": tool.pk,
        "allowed_origin": "",
        "parameters": [{"name": "topic", "value": "vat"}],
        "permissions": ["read_profile", "report_score"],
        "completion_rule": "min_score",
        "min_score": 60,
        "height": 560,
    }


def _package(stdout) -> H5PPackage:
    package = H5PPackage.objects.filter(title=PACKAGE_TITLE).first()
    if not (package and package.content_path):
        package = package or H5PPackage.objects.filter(title=OLD_PACKAGE_TITLE).first()
        if package:
            package.title = PACKAGE_TITLE
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


LIBRARY_PACKAGE_TITLE = "H5P example: {name}"


def _library_packages(stdout) -> None:
    """The admin uploads every package of DEMO_H5P_PACKAGES once (by title): an admin's upload
    installs (approves) the library code it brings."""
    folder = os.environ.get("DEMO_H5P_PACKAGES", "").strip()
    if not folder:
        return
    paths = sorted(Path(folder).glob("*.h5p"))
    if not paths:
        stdout.write(f"DEMO_H5P_PACKAGES={folder}: no .h5p files there")
        return
    admin = demo_user("admin@lectern.local")
    for path in paths:
        title = LIBRARY_PACKAGE_TITLE.format(name=path.stem)
        if H5PPackage.objects.filter(title=title).exists():
            continue
        with open(path, "rb") as handle:
            package = h5p_package_store(
                package=H5PPackage(title=title), upload=File(handle, name=path.name), user=admin
            )
        stdout.write(f"installed the H5P libraries of {path.name} ({package.libraries.count()} libraries)")


def _attach_tutor(*, tool: LTITool, stdout):
    """AI-tool blocks the content seed made without a registration (Web Development with
    Django, "Practice with the tutor") launch the tutor."""
    for lesson in LessonPage.objects.filter(slug="practice-with-the-tutor").specific():
        items = [
            (
                block.block_type,
                tutor_block(tool) if block.block_type == "ai_tool" else block.block.get_prep_value(block.value),
            )
            for block in lesson.body
        ]
        if not any(block.block_type == "ai_tool" and block.value.get("lti_tool") is None for block in lesson.body):
            continue
        lesson.body = lesson_body(items)
        lesson.save_revision(user=lesson.owner).publish(user=demo_user("admin@lectern.local"))
        stdout.write(f"the lesson {lesson.title} launches the demo AI tutor")


def _seed_tutor(*, stdout):
    _attach_tutor(tool=demo_tutor_tool(), stdout=stdout)
    course = CoursePage.objects.filter(slug="python-for-beginners").first()
    if course is None or LessonPage.objects.descendant_of(course).filter(slug=TUTOR_LESSON_SLUG).exists():
        return
    section = SectionPage.objects.child_of(course).order_by("path").last()
    if section is None:
        return
    tool = demo_tutor_tool()
    instructor = course.owner or demo_user("thandi@lectern.local")
    lesson = LessonPage(
        title="Practice VAT with the tutor",
        slug=TUTOR_LESSON_SLUG,
        owner=instructor,
        live=True,
        estimated_minutes=5,
        body=lesson_body(
            [
                (
                    "rich_text",
                    "<p>The demo AI tutor is an LTI 1.3 tool: it chats with you, grades your answers on "
                    "its own server and sends your score back to Lectern (LTI Assignment and Grade "
                    "Services). Two of three right completes the lesson.</p>",
                ),
                ("ai_tool", tutor_block(tool)),
            ]
        ),
    )
    section.add_child(instance=lesson)
    lesson.save_revision(user=instructor).publish(user=demo_user("admin@lectern.local"))
    stdout.write("registered the demo AI tutor (LTI 1.3) and added its lesson to Python for Beginners")


def seed(*, stdout):
    _seed_tutor(stdout=stdout)
    _library_packages(stdout)
    course = CoursePage.objects.filter(slug="python-for-beginners").first()
    if course is None:
        return
    if LessonPage.objects.descendant_of(course).filter(slug=LESSON_SLUG).exists():
        _package(stdout)  # replaces a stored Oslo question in place (the lesson keeps its block); installs libraries
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
