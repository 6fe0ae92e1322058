"""Quizzes graded on the server: snapshot, scoring, attempts, deadlines, feedback modes,
and that correct answers never reach the student before the mode allows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.assessments.quiz import (
    quiz_answer_save,
    quiz_attempt_expire,
    quiz_attempt_start,
    quiz_attempt_submit,
    quiz_get,
)
from learners.assessments.tasks import quiz_attempts_expire_overdue_task
from learners.enrollment.services import LearningError
from learners.models import BlockCompletion, LessonProgress, QuizAttempt
from tests.learners.assessments.assessment_helpers import course_with, questions_of, quiz_value

pytestmark = pytest.mark.django_db


def right_answers(lesson):
    return {qid: correct for qid, _, correct in questions_of(lesson)}


def test_full_marks_pass_and_complete_the_lesson(student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    attempt = quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers=right_answers(lesson))
    assert (attempt.score_points, attempt.max_points, attempt.score_percent, attempt.passed) == (3, 3, 100.0, True)
    completion = BlockCompletion.objects.get(block_id=block_id)
    assert completion.score_percent == 100.0
    assert LessonProgress.objects.get(lesson=lesson).status == LessonProgress.Status.COMPLETED


def test_partial_multiple_choice_scores_nothing_and_fails(student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    (q1, _, c1), (q2, _, c2) = questions_of(lesson)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    attempt = quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={q1: c1, q2: c2[:1]})
    assert (attempt.score_points, attempt.score_percent, attempt.passed) == (1, 33.3, False)
    assert not BlockCompletion.objects.exists()


def test_answers_saved_one_by_one_survive_and_are_graded(student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    (q1, _, c1), (q2, _, c2) = questions_of(lesson)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    quiz_answer_save(user=student, attempt_id=attempt.pk, question_id=q1, option_ids=c1)
    quiz_answer_save(user=student, attempt_id=attempt.pk, question_id=q2, option_ids=c2)
    # a reload resumes the same attempt with its answers
    again = quiz_attempt_start(user=student, block_id=block_id)
    assert again.pk == attempt.pk and again.answers == {q1: c1, q2: c2}
    assert quiz_attempt_submit(user=student, attempt_id=attempt.pk).score_points == 3


def test_grading_uses_the_snapshot_not_a_later_edit(student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    answers = right_answers(lesson)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    # the instructor flips the right answer of question 1 after the attempt started
    body = lesson.body.raw_data
    for option in body[0]["value"]["questions"][0]["value"]["options"]:
        option["value"]["is_correct"] = not option["value"]["is_correct"]
    lesson.body = body
    lesson.save()
    attempt = quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers=answers)
    assert attempt.score_points == 3
    assert attempt.snapshot["questions"][0]["text"] == "What is 2 + 2?"


def test_max_attempts_are_enforced(student):
    course, lesson, block_id = course_with("quiz", quiz_value(max_attempts=2), student=student)
    for _ in range(2):
        attempt = quiz_attempt_start(user=student, block_id=block_id)
        quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
    with pytest.raises(LearningError) as refused:
        quiz_attempt_start(user=student, block_id=block_id)
    assert refused.value.code == "no_attempts_left"
    assert QuizAttempt.objects.count() == 2


def test_a_submitted_attempt_cannot_be_submitted_again(student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
    with pytest.raises(LearningError) as refused:
        quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers=right_answers(lesson))
    assert refused.value.code == "already_submitted"
    assert QuizAttempt.objects.get().score_points == 0


def test_late_submission_is_auto_submitted_with_answers_saved_in_time(student):
    course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=5), student=student)
    (q1, _, c1), (q2, _, c2) = questions_of(lesson)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=5)
    quiz_answer_save(user=student, attempt_id=attempt.pk, question_id=q1, option_ids=c1)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=2))
    attempt = quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={q2: c2})
    assert attempt.auto_submitted is True
    assert attempt.score_points == 1  # q2 arrived too late and is ignored


def test_saving_after_the_deadline_is_refused(student):
    course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=1), student=student)
    (q1, _, c1), _ = questions_of(lesson)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(LearningError) as refused:
        quiz_answer_save(user=student, attempt_id=attempt.pk, question_id=q1, option_ids=c1)
    assert refused.value.code == "time_up"
    assert QuizAttempt.objects.get().status == QuizAttempt.Status.SUBMITTED


def test_within_the_grace_the_submission_counts(student, settings):
    settings.QUIZ_DEADLINE_GRACE_SECONDS = 30
    course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=1), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=10))
    attempt = quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers=right_answers(lesson))
    assert attempt.auto_submitted is False and attempt.passed


def test_expiry_task_and_sweep_submit_overdue_attempts_once(student):
    course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=1), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    # not yet due: the task (run eagerly at start) left it open
    assert QuizAttempt.objects.get().status == QuizAttempt.Status.IN_PROGRESS
    assert quiz_attempt_expire(attempt_id=attempt.pk).is_open
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    assert quiz_attempts_expire_overdue_task.delay().get() == 1
    assert quiz_attempts_expire_overdue_task.delay().get() == 0
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.status == QuizAttempt.Status.SUBMITTED


def test_shuffled_order_is_fixed_per_attempt(student):
    value = quiz_value(shuffle_questions=True, shuffle_options=True, max_attempts=0)
    value["questions"] = [
        {
            "text": f"Q{i}",
            "kind": "single",
            "points": 1,
            "explanation": "",
            "options": [{"text": f"O{i}-{j}", "is_correct": j == 0, "feedback": ""} for j in range(6)],
        }
        for i in range(8)
    ]
    course, lesson, block_id = course_with("quiz", value, student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    order = [q["id"] for q in attempt.snapshot["questions"]]
    assert quiz_attempt_start(user=student, block_id=block_id).snapshot == attempt.snapshot  # resume: same order
    orders = {tuple(order)}
    for _ in range(4):
        quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
        attempt = quiz_attempt_start(user=student, block_id=block_id)
        orders.add(tuple(q["id"] for q in attempt.snapshot["questions"]))
    assert len(orders) > 1  # 8! orders: five identical draws would be a broken shuffle
    assert sorted(order) == sorted(qid for qid, _, _ in questions_of(lesson))


def test_only_enrolled_students_may_start(student, other_student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    with pytest.raises(LearningError) as refused:
        quiz_attempt_start(user=other_student, block_id=block_id)
    assert refused.value.code == "not_enrolled"


def test_another_students_attempt_is_not_found(student, other_student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    from learners.enrollment.services import enrollment_create

    enrollment_create(user=other_student, course=course)
    with pytest.raises(LearningError) as refused:
        quiz_attempt_submit(user=other_student, attempt_id=attempt.pk, answers={})
    assert refused.value.code == "not_found"


@pytest.mark.parametrize(
    ("mode", "attempts", "shown"),
    [
        ("immediate", 2, True),
        ("after_last", 2, False),
        ("after_last", 1, True),
        ("never", 1, False),
    ],
)
def test_feedback_by_mode(client, student, mode, attempts, shown):
    course, lesson, block_id = course_with(
        "quiz", quiz_value(feedback_mode=mode, max_attempts=attempts), student=student
    )
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
    client.force_login(student)
    html = client.get(reverse("learners:quiz_attempt", args=[attempt.pk])).content.decode()
    assert "0/3" in html
    assert ("Count on your fingers." in html) is shown
    assert ("One too many." in html) is shown
    assert quiz_get(user=student, block_id=block_id).feedback_allowed is shown


def test_lesson_page_and_attempt_page_never_contain_answers(client, student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    client.force_login(student)
    page = client.get(lesson.url).content.decode()
    assert "Numbers quiz" in page and "Start the quiz" in page
    response = client.post(reverse("learners:quiz_start", args=[block_id]))
    attempt = QuizAttempt.objects.get()
    assert response.url == reverse("learners:quiz_attempt", args=[attempt.pk])
    html = client.get(response.url).content.decode()
    assert "What is 2 + 2?" in html and 'name="q-' in html
    for secret in ("is_correct", "Yes, four.", "One too many.", "Count on your fingers.", "Divisible by two."):
        assert secret not in page and secret not in html


def test_browser_flow_save_submit_and_history(client, student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    (q1, o1, c1), (q2, o2, c2) = questions_of(lesson)
    client.force_login(student)
    client.post(reverse("learners:quiz_start", args=[block_id]))
    attempt = QuizAttempt.objects.get()
    saved = client.post(
        reverse("learners:quiz_answer", args=[attempt.pk]),
        {"question_id": q1, "option_ids": c1},
        content_type="application/json",
    )
    assert saved.json() == {"saved": True}
    bad = client.post(
        reverse("learners:quiz_answer", args=[attempt.pk]),
        {"question_id": q1, "option_ids": o2[:1]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    response = client.post(reverse("learners:quiz_submit", args=[attempt.pk]), {f"q-{q2}": c2})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score_points == 3 and attempt.passed
    page = client.get(lesson.url).content.decode()
    assert "Best score: 100%" in page and "Try again" in page
