"""Assignments: submission checks (type, size, content), resubmission, lateness, grading
with the rubric, notification, private files and who may see them, the grading queue
and the gradebook."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learners.assessments.assignments import assignment_submit, submission_grade
from learners.enrollment.services import LearningError, enrollment_create
from learners.models import AssignmentSubmission, BlockCompletion, Enrollment
from messaging.models import Notification
from tests.learners.assessments.assessment_helpers import assignment_value, course_with, quiz_value

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def upload(name, content):
    return SimpleUploadedFile(name, content)


def criteria(submission):
    return [c["id"] for c in submission.snapshot["rubric"]]


def test_submit_text_and_files_completes_the_activity(student):
    course, lesson, block_id = course_with("assignment", assignment_value(), student=student)
    submission = assignment_submit(
        user=student,
        block_id=block_id,
        text="def vat(): ...",
        files=[upload("calc.py", b"print('hi')\n"), upload("report.pdf", PDF)],
    )
    assert submission.number == 1 and not submission.is_late
    assert sorted(f.kind for f in submission.files.all()) == ["pdf", "py"]
    stored = submission.files.get(kind="pdf")
    assert stored.file.storage.exists(stored.file.name)
    assert BlockCompletion.objects.filter(block_id=block_id).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", PNG, "not really a .pdf"),  # a PNG dressed up as a PDF
        ("calc.py", PNG, "not a text file"),  # binary content with a text extension
        ("calc.py", "é".encode("latin-1") * 10, "not UTF-8"),
        ("notes.docx", PDF, "not accepted"),  # a type the assignment does not take
        ("big.pdf", PDF + b"0" * (1024 * 1024), "larger than 1 MB"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(student, name, content, message):
    course, lesson, block_id = course_with("assignment", assignment_value(), student=student)
    with pytest.raises(LearningError) as refused:
        assignment_submit(user=student, block_id=block_id, text="", files=[upload(name, content)])
    assert refused.value.code == "invalid_file" and message in str(refused.value)
    assert not AssignmentSubmission.objects.exists()


def test_too_many_files_and_empty_submissions_are_refused(student):
    course, lesson, block_id = course_with("assignment", assignment_value(max_files=1), student=student)
    with pytest.raises(LearningError, match="at most 1"):
        assignment_submit(user=student, block_id=block_id, files=[upload("a.py", b"1"), upload("b.py", b"2")])
    with pytest.raises(LearningError, match="Write an answer"):
        assignment_submit(user=student, block_id=block_id, text="   ")


def test_resubmission_only_when_allowed_or_reopened(student, instructor):
    course, lesson, block_id = course_with("assignment", assignment_value(), instructor=instructor, student=student)
    first = assignment_submit(user=student, block_id=block_id, text="v1")
    with pytest.raises(LearningError) as refused:
        assignment_submit(user=student, block_id=block_id, text="v2")
    assert refused.value.code == "already_submitted"
    submission_grade(
        user=instructor,
        submission=first,
        rubric_scores={cid: 1 for cid in criteria(first)},
        feedback="Try again",
        allow_resubmission=True,
    )
    second = assignment_submit(user=student, block_id=block_id, text="v2")
    assert second.number == 2
    first.refresh_from_db()
    assert first.reopened is False  # the reopening was used up
    with pytest.raises(LearningError):
        assignment_submit(user=student, block_id=block_id, text="v3")


def test_late_submission_is_marked_late(student):
    course, lesson, block_id = course_with("assignment", assignment_value(due_days_after_enrollment=3), student=student)
    enrollment = Enrollment.objects.get(user=student)
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=enrollment.enrolled_at - timedelta(days=4))
    submission = assignment_submit(user=student, block_id=block_id, text="late")
    assert submission.is_late and submission.due_at < submission.submitted_at


def test_grading_with_the_rubric_notifies_and_completes_when_passed(
    student, instructor, mailoutbox, django_capture_on_commit_callbacks
):
    value = assignment_value(completion="passed", pass_mark=60)
    course, lesson, block_id = course_with("assignment", value, instructor=instructor, student=student)
    submission = assignment_submit(user=student, block_id=block_id, text="answer")
    assert not BlockCompletion.objects.exists()  # completes when passed, not when handed in
    correct, readable = criteria(submission)
    with pytest.raises(LearningError):
        submission_grade(user=instructor, submission=submission, rubric_scores={correct: 7, readable: 1})  # > 6
    with django_capture_on_commit_callbacks(execute=True):
        graded = submission_grade(
            user=instructor,
            submission=submission,
            rubric_scores={correct: 5, readable: 2},
            feedback="Good work on the rounding.",
        )
    assert (graded.score, graded.status, graded.graded_by) == (7, "graded", instructor)
    assert BlockCompletion.objects.get(block_id=block_id).score_percent == 70.0
    assert Notification.objects.get(user=student, kind="assignment_graded")
    # (Passing the only lesson also completes the course, whose certificate mail follows.)
    graded_mail = [message for message in mail.outbox if "7 / 10" in message.body]
    assert len(graded_mail) == 1 and "rounding" in graded_mail[0].body


def test_another_instructor_cannot_grade(student, other_instructor, instructor):
    course, lesson, block_id = course_with("assignment", assignment_value(), instructor=instructor, student=student)
    submission = assignment_submit(user=student, block_id=block_id, text="answer")
    with pytest.raises(LearningError):
        submission_grade(user=other_instructor, submission=submission, rubric_scores={}, score=5)
    assert AssignmentSubmission.objects.get().score is None


def test_files_are_served_only_to_the_student_and_course_staff(
    client, student, other_student, instructor, other_instructor
):
    course, lesson, block_id = course_with("assignment", assignment_value(), instructor=instructor, student=student)
    enrollment_create(user=other_student, course=course)
    submission = assignment_submit(user=student, block_id=block_id, files=[upload("calc.py", b"x = 1\n")])
    url = reverse("learners:submission_file", args=[submission.files.get().pk])
    detail = reverse("learners:submission_detail", args=[submission.pk])
    for user, status in ((student, 200), (instructor, 200), (other_student, 404), (other_instructor, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
        assert client.get(detail).status_code == status
        if status == 200:
            assert b"".join(response.streaming_content) == b"x = 1\n"
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_lesson_page_form_submission_and_grade_shown(client, student, instructor):
    course, lesson, block_id = course_with("assignment", assignment_value(), instructor=instructor, student=student)
    client.force_login(student)
    page = client.get(lesson.url).content.decode()
    assert "Hand in your work" in page and 'enctype="multipart/form-data"' in page
    response = client.post(
        reverse("learners:assignment_submit", args=[block_id]),
        {"text": "my answer", "files": [upload("fake.pdf", PNG)]},
    )
    assert response.status_code == 302
    assert not AssignmentSubmission.objects.exists()  # the lying file refused the whole hand-in
    client.post(reverse("learners:assignment_submit", args=[block_id]), {"text": "my answer"})
    submission = AssignmentSubmission.objects.get()
    submission_grade(
        user=instructor,
        submission=submission,
        rubric_scores=dict.fromkeys(criteria(submission), 3),
        feedback="Nice names.",
    )
    page = client.get(lesson.url).content.decode()
    assert "Grade: 6/10" in page and "Nice names." in page and "Hand in your work" not in page


def test_admin_grading_queue_lists_own_courses_only(client, student, instructor, other_instructor, admin_user):
    mine = course_with("assignment", assignment_value(title="Mine"), instructor=instructor, student=student)
    theirs = course_with("assignment", assignment_value(title="Theirs"), instructor=other_instructor, student=student)
    submission = assignment_submit(user=student, block_id=mine[2], text="a")
    other = assignment_submit(user=student, block_id=theirs[2], text="b")
    client.force_login(instructor)
    queue = client.get(reverse("learners_grading:queue")).content.decode()
    assert reverse("learners_grading:grade", args=[submission.pk]) in queue
    assert reverse("learners_grading:grade", args=[other.pk]) not in queue
    refused = client.get(reverse("learners_grading:grade", args=[other.pk]))  # Wagtail turns 403 into a redirect
    assert refused.status_code == 302 and refused.url == "/admin/"
    form = {f"criterion-{cid}": "4" for cid in criteria(submission)} | {"feedback": "Solid.", "action": "grade"}
    form[f"criterion-{criteria(submission)[1]}"] = "9"  # over the criterion's 4 points
    response = client.post(reverse("learners_grading:grade", args=[submission.pk]), form)
    assert response.status_code == 200 and "Between 0 and 4" in response.content.decode()
    form[f"criterion-{criteria(submission)[1]}"] = "3"
    response = client.post(reverse("learners_grading:grade", args=[submission.pk]), form)
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.score == 7 and submission.feedback == "Solid."
    assert (
        reverse("learners_grading:grade", args=[submission.pk])
        not in client.get(reverse("learners_grading:queue")).content.decode()
    )  # graded: out of the ungraded queue
    client.force_login(admin_user)
    assert (
        reverse("learners_grading:grade", args=[other.pk])
        in client.get(reverse("learners_grading:queue")).content.decode()
    )
    client.force_login(student)
    assert client.get(reverse("learners_grading:queue")).status_code in (302, 403)


def test_gradebook_for_course_staff_with_csv(client, student, other_student, instructor, other_instructor):
    from tests.factories import make_course

    course = make_course(
        instructor=instructor,
        sections=[
            (
                "S",
                [
                    ("Quiz lesson", [("quiz", quiz_value())], {}),
                    ("Project", [("assignment", assignment_value())], {}),
                ],
            )
        ],
    )
    for user in (student, other_student):
        enrollment_create(user=user, course=course)
    lessons = list(course.lessons())
    from learners.assessments.quiz import quiz_attempt_start, quiz_attempt_submit

    attempt = quiz_attempt_start(user=student, block_id=lessons[0].body[0].id)
    quiz_attempt_submit(user=student, attempt_id=attempt.pk, answers={})
    submission = assignment_submit(user=student, block_id=lessons[1].body[0].id, text="x")
    submission_grade(user=instructor, submission=submission, rubric_scores=dict.fromkeys(criteria(submission), 2))
    url = reverse("learners:gradebook", args=[course.pk])
    client.force_login(other_instructor)
    assert client.get(url).status_code == 403
    client.force_login(instructor)
    html = client.get(url).content.decode()
    assert "Numbers quiz" in html and "0%" in html and "4/10" in html
    csv_text = client.get(url + "?format=csv").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Student,Email,Completion %,Numbers quiz (quiz),Price calculator (assignment)")
    assert any(student.email in line and "0%" in line and "4/10" in line for line in lines)
    assert len(lines) == 3
