"""Heartbeats racing each other on one progress row count the interval once (PostgreSQL row
locks: the one-statement beat of lesson_heartbeat is re-evaluated on the row as the winner
wrote it); first beats racing each other make one row (the unique constraint turns the
losers' inserts into updates of the winner's row). A beat outside a transaction commits
asynchronously, and only itself."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coursepages.models import LessonPage
from learners.enrollment.services import enrollment_create, lesson_heartbeat
from learners.models import LessonProgress
from tests.connections import from_another_connection
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db(transaction=True)


def _race_beats(student, lesson, now, racers: int = 6) -> list[int]:
    """`racers` beats of 30 s at `now`, released together from their own connections; each
    one's answered time spent (any exception fails the test)."""
    barrier = threading.Barrier(racers)
    answers, errors = [], []

    def beat():
        try:
            barrier.wait()
            answers.append(lesson_heartbeat(user=student, lesson=lesson, seconds=30, now=now).time_spent_seconds)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def test_racing_beats_count_the_interval_once(postgres, student):
    course = make_course(lessons=1)
    lesson = LessonPage.objects.get(pk=lessons_of(course)[0].pk)
    enrollment, _ = enrollment_create(user=student, course=course)
    opened = timezone.now() - timedelta(seconds=60)
    LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, last_accessed_at=opened)
    now = opened + timedelta(seconds=30)
    answers = _race_beats(student, lesson, now)
    assert LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).time_spent_seconds == 30
    assert sorted(answers) == [30] * 6  # each answers the row as written: the interval counted once


def test_racing_first_beats_make_one_row_and_count_nothing_twice(postgres, student):
    course = make_course(lessons=1)
    lesson = LessonPage.objects.get(pk=lessons_of(course)[0].pk)
    enrollment, _ = enrollment_create(user=student, course=course)
    started = timezone.now()
    answers = _race_beats(student, lesson, started)
    # One row (get() would raise otherwise), its clock started by the first: nothing counted.
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert (row.time_spent_seconds, row.last_heartbeat_at) == (0, started)
    assert answers == [0] * 6


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_a_beat_alone_commits_asynchronously_and_only_itself(postgres, student):
    """The API's beat is its own transaction: its statement carries `SET LOCAL
    synchronous_commit = off` in the same execute, the row is committed (another connection
    sees it) and the next transaction of the connection commits synchronously again."""
    course = make_course(lessons=1)
    lesson = LessonPage.objects.get(pk=lessons_of(course)[0].pk)
    enrollment, _ = enrollment_create(user=student, course=course)
    started = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        progress = lesson_heartbeat(user=student, lesson=lesson, seconds=30, now=started)
    beats = [query["sql"] for query in queries if "INSERT INTO" in query["sql"]]
    assert len(beats) == 1 and beats[0].startswith("SET LOCAL synchronous_commit = off; INSERT INTO")
    assert _setting("synchronous_commit") == "on"
    assert _row_from_another_connection(enrollment.pk, lesson.pk) == (progress.pk, started)
    # The next beat counts from the first one's clock, in the same way.
    later = lesson_heartbeat(user=student, lesson=lesson, seconds=30, now=started + timedelta(seconds=20))
    assert later.time_spent_seconds == 20
    assert _setting("synchronous_commit") == "on"


def test_a_beat_inside_a_transaction_leaves_its_commit_synchronous(postgres, student):
    course = make_course(lessons=1)
    lesson = LessonPage.objects.get(pk=lessons_of(course)[0].pk)
    enrollment_create(user=student, course=course)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        lesson_heartbeat(user=student, lesson=lesson, seconds=30)
        assert _setting("synchronous_commit") == "on"
    beats = [query["sql"] for query in queries if "INSERT INTO" in query["sql"]]
    assert len(beats) == 1 and beats[0].startswith("INSERT INTO")


def _row_from_another_connection(enrollment_id: int, lesson_id: int):
    def read():
        row = LessonProgress.objects.get(enrollment_id=enrollment_id, lesson_id=lesson_id)
        return (row.pk, row.last_heartbeat_at)

    return from_another_connection(read)
