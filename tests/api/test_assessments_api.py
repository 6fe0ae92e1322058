"""The quiz and assignment endpoints: main success and main refusals of each."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learners.assessments.assignments import assignment_submit
from learners.models import AssignmentSubmission, QuizAttempt
from tests.learners.assessments.assessment_helpers import assignment_value, course_with, questions_of, quiz_value

pytestmark = pytest.mark.django_db

SECRETS = ("is_correct", "Yes, four.", "One too many.", "Count on your fingers.")


def test_quiz_detail_has_no_answers(client, student, other_student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    client.force_login(student)
    response = client.get(f"/api/v1/quizzes/{block_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    data = response.json()
    assert data["attempts_left"] == 2 and len(data["questions"]) == 2 and data["settings"]["passing_score"] == 70
    assert not any(secret in body for secret in SECRETS)
    client.force_login(other_student)
    assert client.get(f"/api/v1/quizzes/{block_id}/").json()["code"] == "not_enrolled"
    assert client.get("/api/v1/quizzes/no-such-block/").status_code == 404


def test_attempt_start_and_submit_with_feedback(client, student):
    course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=10), student=student)
    client.force_login(student)
    started = client.post(f"/api/v1/quizzes/{block_id}/attempts/")
    assert started.status_code == 201
    assert started.json()["deadline"] and not any(s in started.content.decode() for s in SECRETS)
    answers = {qid: correct for qid, _, correct in questions_of(lesson)}
    result = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": started.json()["attempt_id"], "answers": answers},
        content_type="application/json",
    )
    data = result.json()
    assert result.status_code == 200 and data["passed"] and data["score"] == 3
    assert data["feedback_shown"] and data["questions"][0]["explanation"] == "Count on your fingers."
    again = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": data["attempt_id"], "answers": {}},
        content_type="application/json",
    )
    assert again.status_code == 409
    history = client.get(f"/api/v1/quizzes/{block_id}/attempts/").json()
    assert history["count"] == 1 and history["results"][0]["score_percent"] == 100.0


def test_submit_finds_only_the_callers_own_attempt_at_this_quiz(client, student, other_student):
    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    other_course, other_lesson, other_block = course_with("quiz", quiz_value(), student=student)
    client.force_login(student)
    attempt_id = client.post(f"/api/v1/quizzes/{block_id}/attempts/").json()["attempt_id"]
    wrong_quiz = client.post(
        f"/api/v1/quizzes/{other_block}/submit/",
        {"attempt_id": attempt_id, "answers": {}},
        content_type="application/json",
    )
    assert wrong_quiz.status_code == 404 and wrong_quiz.json()["code"] == "not_found"
    client.force_login(other_student)
    not_theirs = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": attempt_id, "answers": {}},
        content_type="application/json",
    )
    assert not_theirs.status_code == 404
    assert QuizAttempt.objects.get(pk=attempt_id).status == QuizAttempt.Status.IN_PROGRESS


def test_no_attempt_after_the_last_and_no_feedback_in_never_mode(client, student):
    course, lesson, block_id = course_with("quiz", quiz_value(max_attempts=1, feedback_mode="never"), student=student)
    client.force_login(student)
    attempt_id = client.post(f"/api/v1/quizzes/{block_id}/attempts/").json()["attempt_id"]
    data = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": attempt_id, "answers": {}},
        content_type="application/json",
    ).json()
    assert data["feedback_shown"] is False and data["questions"] == []
    refused = client.post(f"/api/v1/quizzes/{block_id}/attempts/")
    assert refused.status_code == 400 and refused.json()["code"] == "no_attempts_left"
    assert QuizAttempt.objects.count() == 1


def test_assignment_detail_and_multipart_submit(client, student):
    course, lesson, block_id = course_with("assignment", assignment_value(), student=student)
    client.force_login(student)
    detail = client.get(f"/api/v1/assignments/{block_id}/").json()
    assert detail["max_score"] == 10 and detail["can_submit"] and detail["submissions"] == []
    lying = client.post(
        f"/api/v1/assignments/{block_id}/submit/",
        {"text": "hi", "files": [SimpleUploadedFile("x.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)]},
    )
    assert lying.status_code == 400 and lying.json()["code"] == "invalid_file"
    ok = client.post(
        f"/api/v1/assignments/{block_id}/submit/", {"text": "hi", "files": [SimpleUploadedFile("a.py", b"x = 1\n")]}
    )
    assert ok.status_code == 201 and ok.json()["files"][0]["name"] == "a.py"
    twice = client.post(f"/api/v1/assignments/{block_id}/submit/", {"text": "again"})
    assert twice.status_code == 409


def test_submissions_list_and_grade_only_for_course_instructors(client, student, instructor, other_instructor):
    course, lesson, block_id = course_with("assignment", assignment_value(), instructor=instructor, student=student)
    submission = assignment_submit(user=student, block_id=block_id, text="answer")
    ids = [c["id"] for c in submission.snapshot["rubric"]]
    for user in (student, other_instructor):
        client.force_login(user)
        assert client.get(f"/api/v1/assignments/{block_id}/submissions/").status_code == 403
        assert (
            client.put(
                f"/api/v1/submissions/{submission.pk}/grade/",
                {"rubric_scores": {ids[0]: 1, ids[1]: 1}},
                content_type="application/json",
            ).status_code
            == 403
        )
    client.force_login(instructor)
    listing = client.get(f"/api/v1/assignments/{block_id}/submissions/?status=ungraded").json()
    assert listing["count"] == 1 and listing["results"][0]["text"] == "answer"
    bad = client.put(
        f"/api/v1/submissions/{submission.pk}/grade/",
        {"rubric_scores": {ids[0]: 99, ids[1]: 1}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and ids[0] in bad.json()["errors"]
    graded = client.put(
        f"/api/v1/submissions/{submission.pk}/grade/",
        {"rubric_scores": {ids[0]: 5, ids[1]: 4}, "feedback": "Great", "allow_resubmission": True},
        content_type="application/json",
    )
    assert graded.status_code == 200 and graded.json()["score"] == 9 and graded.json()["reopened"]
    assert client.get(f"/api/v1/assignments/{block_id}/submissions/?status=ungraded").json()["count"] == 0
    assert AssignmentSubmission.objects.get().feedback == "Great"


def test_a_passing_submit_grades_completes_and_answers_in_a_fixed_number_of_queries(
    client, student, django_assert_num_queries
):
    """Issue 24: one lock (attempt and enrollment in one statement), the access read once
    under it, and the lesson's and course's completion written without reading them again."""
    from accounts.tokens import token_pair_issue
    from learners.assessments.quiz import quiz_attempt_start
    from learners.models import BlockCompletion, Enrollment, LessonProgress

    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    token = token_pair_issue(user=student).access
    answers = {qid: correct for qid, _, correct in questions_of(lesson)}
    # user; savepoint; attempt+enrollment locked; attempt saved; the quiz's attempts; progress
    # rows; completions of the lesson; completion inserted; progress upserted; course completed;
    # release.
    with django_assert_num_queries(11):
        response = client.post(
            f"/api/v1/quizzes/{block_id}/submit/",
            {"attempt_id": attempt.pk, "answers": answers},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 200 and response.json()["passed"] and response.json()["feedback_shown"]
    enrollment = Enrollment.objects.get(user=student, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert BlockCompletion.objects.get(enrollment=enrollment, block_id=block_id).score_percent == 100.0
    progress = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert progress.status == LessonProgress.Status.COMPLETED and progress.first_accessed_at


def test_a_passing_submit_completes_a_visited_lesson_and_keeps_the_first_visit(client, student):
    from learners.access import learning_context_for
    from learners.assessments.quiz import quiz_attempt_start
    from learners.enrollment.services import lesson_visit
    from learners.models import LessonProgress

    course, lesson, block_id = course_with("quiz", quiz_value(feedback_mode="after_last"), student=student)
    lesson_visit(context=learning_context_for(user=student, lesson=lesson))
    first = LessonProgress.objects.get(lesson=lesson).first_accessed_at
    client.force_login(student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    answers = {qid: correct for qid, _, correct in questions_of(lesson)}
    data = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": attempt.pk, "answers": answers},
        content_type="application/json",
    ).json()
    assert data["passed"] and not data["feedback_shown"]  # one attempt of two left
    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.status == LessonProgress.Status.COMPLETED and progress.first_accessed_at == first


def test_a_submit_after_access_closed_keeps_the_grade_and_refuses_the_result(client, student):
    from learners.assessments.quiz import quiz_attempt_start
    from learners.models import Enrollment

    course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    client.force_login(student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    Enrollment.objects.filter(user=student).update(status=Enrollment.Status.REVOKED)
    response = client.post(
        f"/api/v1/quizzes/{block_id}/submit/",
        {"attempt_id": attempt.pk, "answers": {}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert QuizAttempt.objects.get(pk=attempt.pk).status == QuizAttempt.Status.SUBMITTED
