"""Max attempts and single grading hold when requests race (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from learners.assessments.quiz import quiz_attempt_start, quiz_attempt_submit
from learners.enrollment.services import LearningError
from learners.models import QuizAttempt
from tests.learners.assessments.assessment_helpers import course_with, ensure_site_tree, questions_of, quiz_value

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site_tree(transactional_db):
    ensure_site_tree()


def race(target, n):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except LearningError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_racing_starts_for_the_last_attempt_get_one_attempt(postgres, student):
    course, lesson, block_id = course_with("quiz", quiz_value(max_attempts=1), student=student)
    results, errors = race(lambda: quiz_attempt_start(user=student, block_id=block_id).pk, 6)
    assert QuizAttempt.objects.count() == 1
    assert set(results) == {QuizAttempt.objects.get().pk}  # everyone resumed the one attempt
    attempt_id = results[0]
    quiz_attempt_submit(user=student, attempt_id=attempt_id, answers={})
    _, errors = race(lambda: quiz_attempt_start(user=student, block_id=block_id).pk, 4)
    assert errors == ["no_attempts_left"] * 4


def test_racing_submissions_grade_once(postgres, student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    answers = {qid: correct for qid, _, correct in questions_of(lesson)}
    results, errors = race(lambda: quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers=answers).pk, 5)
    assert len(results) == 1 and errors == ["already_submitted"] * 4
    attempt.refresh_from_db()
    assert attempt.status == QuizAttempt.Status.SUBMITTED and attempt.score_points == 3
