"""Accessibility, measured: axe-core checks every public, student and instructor page a new
user meets for serious or critical WCAG 2.1 AA violations (none allowed), a student completes
a lesson and a quiz with the keyboard alone, and the focused control is always visibly marked.

Run: `E2E_REQUIRED=1 .venv/bin/python -m pytest -q tests/e2e/test_accessibility_journey.py`
(axe-core comes from npm: `npm ci --ignore-scripts` puts it in node_modules/axe-core)."""

import pytest

from accounts.models import User
from coursepages.models import CoursePage
from learners.enrollment.services import enrollment_create
from learners.models import LessonProgress, QuizAttempt
from tests.e2e.conftest import assert_accessible, axe_violations, sign_in
from tests.factories import make_course, make_user
from tests.learners.assessments.assessment_helpers import ensure_site_tree, quiz_value

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site_tree(transactional_db):
    ensure_site_tree()


@pytest.fixture
def school():
    instructor = make_user(role=User.Role.INSTRUCTOR, first_name="Ivy", last_name="Instructor")
    student = make_user(first_name="Sam", last_name="Student")
    course = make_course(
        title="Accessible basics",
        instructor=instructor,
        sections=[
            (
                "Start here",
                [
                    ("Reading", [("rich_text", "<p>Read this first.</p>")], {}),
                    ("Numbers quiz", [("quiz", quiz_value(max_attempts=3))], {}),
                ],
            )
        ],
    )
    paid = make_course(
        title="Paid extras", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900, lessons=1
    )
    enrollment_create(user=student, course=course)
    return instructor, student, course, paid


def _violations_on(page, urls) -> dict[str, list]:
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.ok, f"{url}: {response.status}"
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(100)  # the admin's editors finish rendering in the next frames
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    return found


def _report(found: dict[str, list]) -> str:
    return "\n".join(
        f"{url}:\n" + "\n".join(f"  - {v['id']} ({v['impact']}): {v['help']}: {v['nodes'][:3]}" for v in violations)
        for url, violations in found.items()
    )


def test_every_public_student_and_instructor_page_passes_axe(page, school):
    instructor, student, course, paid = school
    reading, quiz = list(course.lessons())
    found = _violations_on(
        page,
        [
            "/",
            "/courses/",
            course.url,
            paid.url,
            reading.url,  # locked for visitors: the enroll prompt
            "/certificates/verify/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
        ],
    )
    sign_in(page, student.email)
    found |= _violations_on(
        page,
        [
            "/dashboard/",
            course.url,
            reading.url,
            quiz.url,
            paid.url,
            f"/payments/checkout/?course={paid.pk}",
            "/payments/cart/",
            "/payments/history/",
            "/certificates/",
            "/account/profile/",
            "/account/privacy/",
            "/messages/",
            "/messages/notifications/",
            "/live/",
        ],
    )
    page.context.clear_cookies()
    sign_in(page, instructor.email)
    found |= _violations_on(
        page,
        [
            "/instructor/",
            f"/instructor/courses/{course.pk}/gradebook/",
            "/live/availability/",
            "/payments/earnings/",
            "/messages/",
            "/admin/",
            "/admin/my-courses/",
            # the course editor: the course, a lesson with rich text, the add forms
            f"/admin/pages/{course.pk}/edit/",
            f"/admin/pages/{reading.pk}/edit/",
            f"/admin/pages/add/coursepages/sectionpage/{course.pk}/",
            f"/admin/pages/add/coursepages/lessonpage/{reading.get_parent().pk}/",
            f"/admin/pages/{course.pk}/",
        ],
    )
    assert not found, _report(found)


def _tab_to(page, predicate: str, what: str, limit: int = 80):
    """Press Tab until the focused element satisfies `predicate` (a JS function of the element);
    then check that it is visibly marked (an outline of at least 2px)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }}"):
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
            )
            assert outline[0] != "none" and outline[1] >= 2, f"{what} has focus but no visible focus mark: {outline}"
            return
    raise AssertionError(f"{what} cannot be reached with the Tab key")


def _by_text(text: str) -> str:
    return f"el => (el.innerText || '').trim().startsWith({text!r})"


def _option(question: str, option: str) -> str:
    return (
        f"el => el.matches('input') && el.closest('fieldset').innerText.includes({question!r})"
        f" && el.closest('label').innerText.trim() === {option!r}"
    )


def test_a_student_completes_a_lesson_and_a_quiz_with_the_keyboard_only(page, school, screenshot):
    _instructor, student, course, _paid = school
    reading, quiz = list(course.lessons())
    sign_in(page, student.email)

    page.goto(reading.url)
    _tab_to(page, _by_text("Mark complete"), "the Mark complete button")
    screenshot("keyboard-mark-complete-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    progress = LessonProgress.objects.get(enrollment__user=student, lesson=reading)
    assert progress.status == LessonProgress.Status.COMPLETED

    page.goto(quiz.url)
    _tab_to(page, _by_text("Start the quiz"), "the Start the quiz button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, _option("What is 2 + 2?", "4"), "the first question's first option")
    page.keyboard.press("Space")  # a radio group: Tab reaches it, Space picks the focused option
    _tab_to(page, _option("Which are even?", "2"), "option 2")
    page.keyboard.press("Space")
    _tab_to(page, _option("Which are even?", "8"), "option 8")
    page.keyboard.press("Space")
    page.wait_for_selector("text=All answers saved.")
    _tab_to(page, _by_text("Submit answers"), "the Submit answers button")
    screenshot("keyboard-quiz-submit-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(".quiz-result")
    assert "Passed" in page.inner_text(".quiz-result")
    attempt = QuizAttempt.objects.get(enrollment__user=student, lesson=quiz)
    assert attempt.passed and attempt.score_points == attempt.max_points
    assert_accessible(page, "the quiz result")
