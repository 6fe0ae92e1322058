"""Reviews and ratings, the student dashboard, and the instructor's students view and CSV."""

import csv
import io

import pytest

from learners.access import learning_context_for
from learners.enrollment.services import (
    LearningError,
    activity_complete,
    enrollment_create,
    lesson_complete,
    review_save,
)
from learners.models import BlockCompletion, Enrollment, Review
from tests.factories import lessons_of, make_course, make_user, quiz_block, text_lesson

pytestmark = pytest.mark.django_db

QUIZ = quiz_block()


def test_only_enrolled_students_review_once_and_can_edit(student, other_student, free_course):
    with pytest.raises(LearningError) as refused:
        review_save(user=student, course=free_course, rating=5)
    assert refused.value.code == "not_enrolled"
    enrollment_create(user=student, course=free_course)
    review, created = review_save(user=student, course=free_course, rating=4, body="Clear.")
    assert created
    edited, created_again = review_save(user=student, course=free_course, rating=2, body="Changed my mind.")
    assert not created_again and edited.pk == review.pk
    assert Review.objects.get().rating == 2
    for bad in (0, 6, "x", None):
        with pytest.raises(LearningError):
            review_save(user=student, course=free_course, rating=bad)


def test_course_page_shows_average_and_review_form(client, student, other_student, free_course):
    for user, rating in ((student, 5), (other_student, 2)):
        enrollment_create(user=user, course=free_course)
        review_save(user=user, course=free_course, rating=rating, body=f"Rated {rating}")
    client.force_login(student)
    response = client.post(f"/learn/courses/{free_course.pk}/review/", {"rating": "4", "body": "Edited"}, follow=True)
    html = response.content.decode()
    assert "Your review is updated." in html
    assert "3.0 from 2 reviews" in html
    assert "Update my review" in html and "Edited" in html


def test_dashboard_lists_courses_with_progress_and_continue(client, student, free_course):
    done = make_course(title="Finished", lessons=1)
    enrollment_create(user=student, course=free_course)
    enrollment_create(user=student, course=done)
    first = lessons_of(free_course)[0]
    lesson_complete(context=learning_context_for(user=student, lesson=first))
    lesson_complete(context=learning_context_for(user=student, lesson=lessons_of(done)[0]))
    client.force_login(student)
    client.get(lessons_of(free_course)[1].url)  # the resume point
    response = client.get("/dashboard/")
    [in_progress] = response.context["in_progress"]
    assert in_progress.progress.percent == 33
    [completed] = response.context["completed"]
    assert completed.course.title == "Finished"
    html = response.content.decode()
    assert f'href="{lessons_of(free_course)[1].url}"' in html and "Continue" in html
    # Other areas fill their panels (tests/learners/test_dashboard_panels.py).


def test_instructor_students_view_is_only_for_that_courses_staff(client, instructor, other_instructor, student):
    course = make_course(instructor=instructor, sections=[("S", [text_lesson("Read"), ("Quiz", [QUIZ], {})])])
    url = f"/instructor/courses/{course.pk}/students/"
    client.force_login(student)
    assert client.get(url).status_code == 403
    client.force_login(other_instructor)
    assert client.get(url).status_code == 403
    assert client.get(url + "?format=csv").status_code == 403
    client.force_login(instructor)
    assert client.get(url).status_code == 200


def test_instructor_sees_progress_best_scores_and_exports_csv(client, instructor, student):
    course = make_course(instructor=instructor, sections=[("S", [text_lesson("Read"), ("Quiz", [QUIZ], {})])])
    read, quiz = lessons_of(course)
    enrollment_create(user=student, course=course)
    student.first_name = "=HYPERLINK"  # a formula in a name must not run in a spreadsheet
    student.save()
    lesson_complete(context=learning_context_for(user=student, lesson=read))
    block_id = quiz.body[0].id
    activity_complete(context=learning_context_for(user=student, lesson=quiz), block_id=block_id, score_percent=40)
    BlockCompletion.objects.filter(block_id=block_id).update(score_percent=40)
    activity_complete(context=learning_context_for(user=student, lesson=quiz), block_id=block_id, score_percent=90)
    client.force_login(instructor)
    response = client.get(f"/instructor/courses/{course.pk}/students/")
    [row] = response.context["rows"]
    assert row.progress.percent == 100 and row.scores[block_id] == 90
    assert "90%" in response.content.decode()
    export = client.get(f"/instructor/courses/{course.pk}/students/?format=csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][-1] == "Check (best %)"
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[1][1] == student.email and rows[1][7] == "100" and rows[1][-1] == "90.0"


def test_instructor_home_lists_own_courses_with_counts(client, instructor, other_instructor):
    mine = make_course(title="Mine", instructor=instructor, lessons=2)
    make_course(title="Theirs", instructor=other_instructor)
    student = make_user()
    enrollment_create(user=student, course=mine)
    for lesson in lessons_of(mine):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    client.force_login(instructor)
    response = client.get("/instructor/")
    [course] = response.context["courses"]
    assert (course.title, course.student_count, course.completed_count) == ("Mine", 1, 1)
    assert Enrollment.objects.get().status == "completed"
    client.force_login(make_user())
    assert client.get("/instructor/").status_code == 403
