"""A student takes a timed quiz: answers are saved as they go (a reload loses nothing),
the countdown runs, and after submitting they see the feedback the quiz's mode allows."""

import pytest

from learners.enrollment.services import enrollment_create
from learners.models import QuizAttempt
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.assessments.assessment_helpers import ensure_site_tree, quiz_value

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site_tree(transactional_db):
    ensure_site_tree()


def test_student_takes_a_timed_quiz_and_sees_feedback(page, screenshot):
    student = make_user(first_name="Thabo", last_name="Mokoena")
    course = make_course(
        sections=[
            (
                "Basics",
                [
                    ("Quiz lesson", [("quiz", quiz_value(time_limit_minutes=5, max_attempts=2))], {}),
                    (
                        "Hidden answers",
                        [("quiz", quiz_value(title="Silent quiz", feedback_mode="never", max_attempts=1))],
                        {},
                    ),
                ],
            )
        ]
    )
    enrollment_create(user=student, course=course)
    timed, silent = list(course.lessons())

    sign_in(page, student.email)
    page.goto(timed.url)
    assert "Time limit: 5 minutes" in page.content()
    assert "Yes, four." not in page.content()  # option feedback is never in the lesson page
    page.click("text=Start the quiz")
    page.wait_for_selector("#quiz-countdown")
    assert page.inner_text("#quiz-countdown").startswith(("4:", "5:"))
    page.check("label:has-text('4') >> input")
    page.wait_for_selector("text=All answers saved.")
    page.reload()  # a reload loses nothing
    assert page.is_checked("label:has-text('4') >> input")
    page.check("label.quiz-option:has-text('2') >> input")
    page.check("label.quiz-option:has-text('3') >> input")  # wrong: 3 is odd
    screenshot("quiz-attempt")
    page.click("text=Submit answers")
    page.wait_for_selector(".quiz-result")
    html = page.content()
    assert "1/3" in html and "Not passed" in html
    assert "Count on your fingers." in html and "Three is odd." in html  # immediate feedback
    screenshot("quiz-result-immediate")
    attempt = QuizAttempt.objects.get(lesson=timed)
    assert attempt.answers and attempt.score_points == 1

    page.goto(timed.url)
    assert "Try again" in page.content() and "Best score: 33.3%" in page.content()

    page.goto(silent.url)
    page.click("text=Start the quiz")
    page.wait_for_selector("#quiz-form")
    assert page.locator("#quiz-countdown").count() == 0
    page.check("label:has-text('4') >> input")
    page.click("text=Submit answers")
    page.wait_for_selector(".quiz-result")
    html = page.content()
    assert "1/3" in html and "not shown" in html and "Count on your fingers." not in html
    screenshot("quiz-result-never")
