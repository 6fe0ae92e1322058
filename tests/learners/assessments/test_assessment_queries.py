"""The quiz and assignment blocks cost a lesson page a fixed two queries (the student's
attempts; their submissions — the enrollment comes from the lesson player's access check),
however many attempts and submissions there are, within the 20-query budget (docs/architecture.md §9)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learners.assessments.assignments import assignment_submit
from learners.assessments.quiz import quiz_attempt_start, quiz_attempt_submit
from learners.enrollment.services import enrollment_create
from tests.factories import make_course
from tests.learners.assessments.assessment_helpers import assignment_value, quiz_value

pytestmark = pytest.mark.django_db


def lesson_queries(client, lesson) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(queries)


def test_lesson_with_quiz_and_assignment_stays_in_budget(client, student):
    course = make_course(
        sections=[
            (
                "S",
                [
                    ("Text", [("rich_text", "<p>Read me.</p>")], {}),
                    ("Both", [("quiz", quiz_value(max_attempts=0)), ("assignment", assignment_value())], {}),
                ],
            )
        ]
    )
    enrollment_create(user=student, course=course)
    text, lesson = course.lessons()
    client.force_login(student)
    lesson_queries(client, text)  # warm caches (site root, settings)
    plain = lesson_queries(client, text)
    lesson_queries(client, lesson)  # the first visit records progress; measure returning visits
    before = lesson_queries(client, lesson)
    assert before == plain + 2
    for _ in range(3):
        attempt = quiz_attempt_start(user=student, block_id=lesson.body[0].id)
        quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
    assignment_submit(user=student, block_id=lesson.body[1].id, text="answer")
    after = lesson_queries(client, lesson)
    assert after == before  # constant in the number of attempts and submissions
    assert after <= 20
