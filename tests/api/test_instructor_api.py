"""The instructor API: own courses with enrollments and completion, students with progress
and quiz scores, and analytics from the roll-up — each with its refusals, and never a row of
another instructor's course."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.access import learning_context_for
from learners.analytics.services import analytics_rollup
from learners.assessments.quiz import quiz_attempt_start, quiz_attempt_submit
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.api.test_learning_api import bearer
from tests.factories import lessons_of, make_course, make_user
from tests.learners.assessments.assessment_helpers import course_with, questions_of, quiz_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def classes(instructor, other_instructor):
    """Two courses of `instructor` and one of `other_instructor`, with students."""
    mine = make_course(title="Algebra", instructor=instructor, lessons=2)
    theirs = make_course(title="Zoology", instructor=other_instructor, lessons=1)
    ann, ben, cat = (make_user(first_name=name, last_name="Learner") for name in ("Ann", "Ben", "Cat"))
    for student in (ann, ben):
        enrollment_create(user=student, course=mine)
    for lesson in lessons_of(mine):
        lesson_complete(context=learning_context_for(user=ann, lesson=lesson))
    enrollment_create(user=cat, course=theirs)
    quiz_course, lesson, block_id = course_with("quiz", quiz_value(), instructor=instructor, student=ben)
    (q1, _, c1), (q2, _, c2) = questions_of(lesson)
    first = quiz_attempt_start(user=ben, block_id=block_id)
    quiz_attempt_submit(user=ben, attempt_id=first.pk, answers={q1: c1})
    second = quiz_attempt_start(user=ben, block_id=block_id)
    quiz_attempt_submit(user=ben, attempt_id=second.pk, answers={q1: c1, q2: c2})
    return {"mine": mine, "theirs": theirs, "quiz_course": quiz_course, "ann": ann, "ben": ben, "cat": cat}


def test_courses_lists_own_courses_with_enrollments_and_completion(client, instructor, classes):
    headers = bearer(instructor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/instructor/courses/", **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # Zoology is another instructor's course
    algebra = body["results"][0]
    assert (
        algebra["title"],
        algebra["enrollments"],
        algebra["completions"],
        algebra["completion_rate"],
        algebra["lesson_count"],
    ) == ("Algebra", 2, 1, 50.0, 2)
    assert [c["title"] for c in body["results"]] == ["Algebra", classes["quiz_course"].title]
    # the user, the count, the page of courses with every number but the lesson count as a
    # subquery; lesson counts come from the courses' cached structures (coursepages.structure),
    # which a page change since the fixture made stale: rebuilt together, two queries whatever
    # the number of courses, and read from the cache by the next request
    assert len(queries) == 3 + 2
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/instructor/courses/", **headers)
    assert len(queries) == 3


def test_courses_refuses_anonymous_and_students(client, student):
    anonymous = client.get("/api/v1/instructor/courses/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    refused = client.get("/api/v1/instructor/courses/", **bearer(student))
    assert refused.status_code == 403 and refused.json()["code"] == "not_instructor"


def test_students_show_progress_and_quiz_scores_of_own_courses_only(client, instructor, classes):
    headers = bearer(instructor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/instructor/students/", **headers)
    assert response.status_code == 200
    rows = response.json()["results"]
    names = [(row["course"]["title"], row["student"]["name"]) for row in rows]
    assert names == [
        ("Algebra", "Ann Learner"),
        ("Algebra", "Ben Learner"),
        (classes["quiz_course"].title, "Ben Learner"),
    ]
    assert "Cat Learner" not in str(rows)  # a student of the other instructor's course
    ann = rows[0]
    assert ann["progress"] == {"completed": 2, "total": 2, "percent": 100} and ann["status"] == "completed"
    assert ann["quiz"] == {"attempts": 0, "best": None, "average": None}
    quiz = rows[2]["quiz"]
    assert (quiz["attempts"], quiz["best"]) == (2, 100.0) and quiz["average"] == pytest.approx(66.7, abs=0.1)
    # the user, the count, the page (taught courses and numbers are subqueries), the page's
    # completed lessons; and the courses' structures, stale since the fixture changed a page:
    # rebuilt together (two queries whatever the number of courses), cached for the next request
    assert len(queries) == 4 + 2
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/instructor/students/", **headers)
    assert len(queries) == 4

    one = client.get(f"/api/v1/instructor/students/?course={classes['mine'].pk}", **headers).json()
    assert [row["student"]["name"] for row in one["results"]] == ["Ann Learner", "Ben Learner"]


def test_students_refusals(client, instructor, student, classes):
    assert client.get("/api/v1/instructor/students/").status_code == 401
    assert client.get("/api/v1/instructor/students/", **bearer(student)).status_code == 403
    leak = client.get(f"/api/v1/instructor/students/?course={classes['theirs'].pk}", **bearer(instructor))
    assert leak.status_code == 404 and leak.json()["code"] == "not_found"


def test_analytics_over_a_period_from_the_rollup(client, instructor, classes):
    analytics_rollup(days=1)
    today = timezone.localdate().isoformat()
    mine = classes["mine"]
    response = client.get(
        f"/api/v1/instructor/analytics/?start={today}&end={today}&course={mine.pk}", **bearer(instructor)
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["course_id"]) == (today, today, mine.pk)
    assert body["totals"]["enrollments"] == 3  # two in Algebra, one in the quiz course; not Zoology's
    assert body["totals"]["completions"] == 2  # Ann finished Algebra, Ben passed the one-quiz course
    assert body["totals"]["revenue"] == {"amount": 0, "currency": "ZAR"}
    assert [row["date"] for row in body["series"]] == [today]
    assert {row["title"] for row in body["courses"]} == {"Algebra", classes["quiz_course"].title}
    assert [(step["started"], step["completed"]) for step in body["funnel"]] == [(1, 1), (1, 1)]
    assert len(body["quiz_scores"]) == 10


def test_analytics_refusals(client, instructor, student, classes):
    assert client.get("/api/v1/instructor/analytics/").status_code == 401
    assert client.get("/api/v1/instructor/analytics/", **bearer(student)).status_code == 403
    theirs = client.get(f"/api/v1/instructor/analytics/?course={classes['theirs'].pk}", **bearer(instructor))
    assert theirs.status_code == 404
    bad_date = client.get("/api/v1/instructor/analytics/?start=yesterday", **bearer(instructor))
    assert bad_date.status_code == 400 and "start" in bad_date.json()["errors"]
