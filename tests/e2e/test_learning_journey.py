"""A verified student finds a free course in the catalog, enrolls, works through the lessons
in order, meets a lesson locked behind a prerequisite and sees why, and finishes at 100%."""

import pytest

from learners.models import Enrollment
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user, text_lesson

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def site_tree(transactional_db):
    """Home → Courses, as the data migration makes it (an earlier transactional test may
    have flushed the tables)."""
    from wagtail.models import Locale, Page, Site

    from coursepages.models import CourseIndexPage, HomePage

    if CourseIndexPage.objects.exists():
        return
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = HomePage.objects.first() or root.add_child(instance=HomePage(title="Lectern", slug="home"))
    home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_enroll_learn_in_order_hit_a_lock_and_finish(page, screenshot):
    student = make_user(email="learner@example.test", first_name="Lindiwe", last_name="Mahlangu")
    course = make_course(
        title="Budgeting basics",
        sections=[
            ("Getting started", [text_lesson("Welcome", free_preview=True), text_lesson("Income and spending")]),
            ("Planning", [text_lesson("A monthly budget")]),
        ],
    )
    make_course(title="Saving for later", pricing="one_time", price_cents=29900)
    make_course(title="Household data", pricing="subscription")
    lessons = list(course.lessons())
    lessons[2].prerequisites.set([lessons[1]])
    lessons[2].save()

    sign_in(page, student.email)
    page.goto("/courses/")
    assert page.get_by_text("R299.00 incl. VAT").is_visible()
    screenshot("learning-catalog")
    page.set_viewport_size(PHONE)
    screenshot("learning-catalog-phone")
    page.set_viewport_size(DESKTOP)

    page.fill("input[name=q]", "budgeting")
    page.click("text=Show courses")
    page.click("text=Budgeting basics")
    page.click("text=Enroll for free")
    assert page.get_by_text("You are enrolled").is_visible()
    screenshot("learning-course-page")
    page.set_viewport_size(PHONE)
    screenshot("learning-course-page-phone")
    page.set_viewport_size(DESKTOP)
    assert Enrollment.objects.filter(user=student, course=course).exists()

    page.click("text=Start the course")
    assert page.locator("h1").inner_text().startswith("Welcome")
    screenshot("learning-lesson-preview-enrolled")
    page.click("text=Mark complete and continue")
    assert page.locator("h1").inner_text().startswith("Income and spending")
    screenshot("learning-lesson-player")

    # Jump ahead in the outline: the budget lesson waits for the one before it.
    page.click(".outline >> text=A monthly budget")
    lock = page.locator(".lock-panel")
    assert "Complete “Income and spending” first." in lock.inner_text()
    assert page.locator(".lesson-body").count() == 0
    screenshot("learning-locked-lesson")
    page.set_viewport_size(PHONE)
    screenshot("learning-locked-lesson-phone")
    page.set_viewport_size(DESKTOP)

    page.click("text=Go to “Income and spending”")
    page.click("text=Mark complete and continue")
    assert page.locator("h1").inner_text().startswith("A monthly budget")
    page.click("text=Mark complete")
    # The last lesson finishes the course: the finish moment, then back to the lesson.
    page.wait_for_url("**/learn/courses/*/complete/")
    assert page.get_by_text("You finished").is_visible()
    page.go_back()
    page.reload()
    assert page.get_by_text("You have completed this lesson.").is_visible()
    assert page.get_by_text("100% complete").is_visible()
    screenshot("learning-lesson-player-done")
    page.set_viewport_size(PHONE)
    screenshot("learning-lesson-player-phone")
    page.set_viewport_size(DESKTOP)

    page.goto("/dashboard/")
    assert page.get_by_text("Completed", exact=True).is_visible()
    assert Enrollment.objects.get(user=student, course=course).status == Enrollment.Status.COMPLETED
    screenshot("learning-dashboard")
