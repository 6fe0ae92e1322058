"""An instructor grades a submission with the rubric in the Wagtail admin; the student
sees the grade and feedback on the lesson page and their submission page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from learners.assessments.assignments import assignment_submit
from learners.enrollment.services import enrollment_create
from learners.models import AssignmentSubmission
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.assessments.assessment_helpers import assignment_value, ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site_tree(transactional_db):
    ensure_site_tree()


def test_instructor_grades_and_student_sees_the_grade(page, screenshot):
    instructor = make_user(role=User.Role.INSTRUCTOR, first_name="Ivy", last_name="Instructor")
    student = make_user(first_name="Lerato", last_name="Dlamini")
    course = make_course(
        instructor=instructor,
        sections=[
            (
                "Projects",
                [
                    ("Price calculator", [("assignment", assignment_value())], {}),
                ],
            )
        ],
    )
    enrollment_create(user=student, course=course)
    lesson = course.lessons().get()

    sign_in(page, student.email)
    page.goto(lesson.url)
    page.fill("textarea[name=text]", "def vat(cents): return round(cents * 15 / 115)")
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "calc.py", "mimeType": "text/x-python", "buffer": b"def vat(c):\n    return c * 15 // 115\n"}],
    )
    screenshot("assignment-form")
    page.click("form.assignment-form button[type=submit]")
    page.wait_for_selector("text=Your work was handed in.")
    assert "Awaiting grade" in page.content()
    page.context.clear_cookies()  # sign out

    sign_in(page, instructor.email)
    page.goto("/admin/grading/")
    assert "Lerato Dlamini" in page.content()
    screenshot("grading-queue")
    page.click(f"a[href='/admin/grading/{AssignmentSubmission.objects.get().pk}/']")
    page.wait_for_selector("text=Rubric (10 points)")
    inputs = page.locator("input[data-rubric-points]")
    inputs.nth(0).fill("5")
    inputs.nth(1).fill("3")
    assert page.inner_text("#rubric-total") == "8"
    page.fill("textarea[name=feedback]", "Correct results; name the variables better.")
    screenshot("grading-form")
    page.click("text=Save grade and notify the student")
    page.wait_for_selector("text=Graded 8/10")
    submission = AssignmentSubmission.objects.get()
    assert submission.score == 8 and submission.graded_by == instructor
    page.context.clear_cookies()

    sign_in(page, student.email)
    page.goto(lesson.url)
    html = page.content()
    assert "Grade: 8/10" in html and "name the variables better" in html
    page.click("text=Submission 1")
    page.wait_for_selector(".submission-score")
    assert page.inner_text(".submission-score") == "8/10"
    screenshot("submission-graded")


def test_lying_file_is_refused_in_the_browser(page):
    student = make_user()
    course = make_course(sections=[("P", [("Upload", [("assignment", assignment_value(allow_text=False))], {})])])
    enrollment_create(user=student, course=course)
    lesson = course.lessons().get()
    sign_in(page, student.email)
    page.goto(lesson.url)
    page.set_input_files(
        "input[name=files]",
        files=[{"name": "essay.pdf", "mimeType": "application/pdf", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}],
    )
    page.click("form.assignment-form button[type=submit]")
    page.wait_for_selector(".message-error")
    assert "not really a .pdf" in page.content()
    assert not AssignmentSubmission.objects.exists()
    # a real submission still works afterwards
    assignment_submit(
        user=student, block_id=lesson.body[0].id, files=[SimpleUploadedFile("essay.pdf", b"%PDF-1.4\n%%EOF\n")]
    )
    assert AssignmentSubmission.objects.count() == 1
