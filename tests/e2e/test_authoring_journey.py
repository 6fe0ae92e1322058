"""An instructor builds a course with a quiz lesson in the Wagtail editor and submits it for
review; a moderator approves it in the admin; the course appears in the catalog."""

from pathlib import Path

import pytest

from accounts.models import User
from coursepages.models import CourseIndexPage, CoursePage, LessonPage, SectionPage
from messaging.models import Notification
from tests.e2e.conftest import sign_in
from tests.factories import make_user

# The catalog page and the review workflow come from a data migration: keep them for this test.
pytestmark = pytest.mark.django_db(transaction=True)

DOM = Path(__file__).parent / "screenshots"


def dump(page, name):
    DOM.mkdir(exist_ok=True)
    (DOM / f"{name}.html").write_text(page.content())


def new_page(page, url, title):
    """Open an editor and type the title; leaving the field fills in the slug."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.fill("#id_title", title)
    page.press("#id_title", "Tab")
    # Wagtail fills the slug from the title when the field loses focus; wait for it.
    page.wait_for_function("document.querySelector('#id_slug').value !== ''")


def save_draft(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    # The live server shares the in-memory SQLite database: let it finish before we read.
    page.wait_for_load_state("networkidle")


def test_instructor_builds_and_submits_a_course_and_a_moderator_approves_it(page, screenshot):
    instructor = make_user(role=User.Role.INSTRUCTOR, email="teacher@example.test", first_name="Thandi")
    make_user(role=User.Role.ADMIN, email="moderator@example.test", first_name="Mo")
    catalog = CourseIndexPage.objects.get()

    sign_in(page, instructor.email)
    new_page(page, f"/admin/pages/add/coursepages/coursepage/{catalog.pk}/", "Budgeting Basics")
    page.fill("#id_summary", "Plan a monthly budget in rand, with VAT in mind.")
    save_draft(page)
    course = CoursePage.objects.get(title="Budgeting Basics")
    assert course.owner == instructor and not course.live

    new_page(page, f"/admin/pages/add/coursepages/sectionpage/{course.pk}/", "Getting started")
    save_draft(page)
    screenshot("authoring-00-section")
    dump(page, "authoring-00-section")
    section = SectionPage.objects.get(title="Getting started")

    new_page(page, f"/admin/pages/add/coursepages/lessonpage/{section.pk}/", "Your first budget")
    page.locator("[data-streamfield-stream-container] button[title='Insert a block']").first.click()
    page.get_by_role("option", name="Quiz").click()
    page.fill("#body-0-value-title", "Budget check")
    page.fill("#body-0-value-questions-0-value-text", "Which comes first in a budget?")
    page.fill("#body-0-value-questions-0-value-options-0-value-text", "Income")
    page.check("#body-0-value-questions-0-value-options-0-value-is_correct")
    # The list shows one option to start with: add the second with the options list's "Add".
    page.locator("#body-0-value-questions-0-value-options-0-value-text").locator(
        "xpath=following::button[@data-streamfield-list-add][1]"
    ).click()
    page.fill("#body-0-value-questions-0-value-options-1-value-text", "Holidays")
    screenshot("authoring-01-lesson-quiz-editor")
    dump(page, "authoring-01-lesson-quiz-editor")
    save_draft(page)
    lesson = LessonPage.objects.get(title="Your first budget")
    quiz = lesson.get_latest_revision_as_object().body[0].value
    assert quiz["questions"][0]["text"] == "Which comes first in a budget?"
    assert [o["is_correct"] for o in quiz["questions"][0]["options"]] == [True, False]

    # Submit the whole course for review from the course's editor.
    page.goto(f"/admin/pages/{course.pk}/edit/")
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    with page.expect_navigation():
        page.click("button[name='action-submit']")
    page.wait_for_load_state("networkidle")
    screenshot("authoring-02-submitted")
    assert CoursePage.objects.get(pk=course.pk).workflow_in_progress

    page.context.clear_cookies()
    sign_in(page, "moderator@example.test")
    page.goto("/admin/")
    screenshot("authoring-03-moderator-dashboard")
    dump(page, "authoring-03-moderator-dashboard")
    # "Awaiting your review" on the dashboard: Approve (without a comment).
    with page.expect_navigation():
        # The button sits in the row's actions menu; click it as that menu would.
        page.locator("button[data-workflow-action-url*='/approve/']:not([data-launch-modal])").first.dispatch_event(
            "click"
        )
    page.wait_for_load_state("networkidle")
    screenshot("authoring-04-approved")

    course = CoursePage.objects.get(pk=course.pk)
    assert course.live
    assert LessonPage.objects.get(pk=lesson.pk).live
    assert Notification.objects.filter(user=instructor, kind="course_review", title__contains="approved").exists()

    page.goto("/courses/")
    screenshot("authoring-05-catalog")
    assert page.get_by_text("Budgeting Basics").count() >= 1
    page.goto(lesson.url)
    screenshot("authoring-06-lesson")
    assert "Budget check" in page.content()
