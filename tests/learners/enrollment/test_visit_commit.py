"""On PostgreSQL a lesson visit is one statement which, as the heartbeat's beat, commits
asynchronously when it is its own transaction (the page view's case), and only itself;
inside a caller's transaction it leaves the commit synchronous."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_visit
from learners.models import Enrollment, LessonProgress
from tests.connections import from_another_connection
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db(transaction=True)


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def _visit_as_others_see_it(enrollment_id: int, lesson_id: int):
    def read():
        row = LessonProgress.objects.get(enrollment_id=enrollment_id, lesson_id=lesson_id)
        enrollment = Enrollment.objects.get(pk=enrollment_id)
        return (row.status, row.last_accessed_at, enrollment.last_lesson_id, enrollment.last_accessed_at)

    return from_another_connection(read)


def test_a_visit_alone_is_one_statement_committed_asynchronously(postgres, student):
    course = make_course(lessons=2)
    lesson = lessons_of(course)[1]
    enrollment, _ = enrollment_create(user=student, course=course)
    context = learning_context_for(user=student, lesson=lesson)
    with CaptureQueriesContext(connection) as queries:
        assert lesson_visit(context=context) is True
    sql = [query["sql"] for query in queries]
    assert len(sql) == 1 and sql[0].startswith("SET LOCAL synchronous_commit = off; WITH w0 AS (INSERT INTO"), sql
    assert _setting("synchronous_commit") == "on"
    at = context.learner().last_accessed_at
    assert _visit_as_others_see_it(enrollment.pk, lesson.pk) == (LessonProgress.Status.IN_PROGRESS, at, lesson.pk, at)


def test_a_visit_inside_a_transaction_leaves_its_commit_synchronous(postgres, student):
    course = make_course(lessons=2)
    lesson = lessons_of(course)[1]
    enrollment_create(user=student, course=course)
    with transaction.atomic():
        context = learning_context_for(user=student, lesson=lesson)
        with CaptureQueriesContext(connection) as queries:
            lesson_visit(context=context)
        assert _setting("synchronous_commit") == "on"
    sql = [query["sql"] for query in queries]
    assert len(sql) == 1 and sql[0].startswith("WITH w0 AS (INSERT INTO"), sql
