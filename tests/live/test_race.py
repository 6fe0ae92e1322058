"""Two students racing for the same teacher slot: PostgreSQL lets exactly one through."""

import threading
from datetime import time

import pytest
from django.db import connection

from live.models import LiveSession
from live.services import LiveError, session_request
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course


@pytest.mark.django_db(transaction=True)
def test_racing_requests_for_one_slot_book_it_once(postgres):
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(0, time(9), time(12))])
    students = [enrolled_student(course) for _ in range(4)]
    starts_at = next_weekday_at("Europe/London", 0, 10)
    barrier = threading.Barrier(len(students))
    outcomes = []

    def book(student):
        try:
            barrier.wait(timeout=10)
            session_request(student=student, course=course, teacher=teacher, starts_at=starts_at)
            outcomes.append("booked")
        except LiveError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(s,)) for s in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["booked", "slot_taken", "slot_taken", "slot_taken"]
    assert LiveSession.objects.filter(teacher=teacher, status="requested").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_an_overlap_written_around_the_services(postgres):
    from datetime import timedelta

    from django.db import IntegrityError

    teacher, course = teacher_with_course(tz="Europe/London")
    a, b = enrolled_student(course), enrolled_student(course)
    starts = next_weekday_at("Europe/London", 0, 10)
    LiveSession.objects.create(
        course=course, teacher=teacher, student=a, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    with pytest.raises(IntegrityError, match="live_no_teacher_overlap"):
        LiveSession.objects.create(
            course=course,
            teacher=teacher,
            student=b,
            starts_at=starts + timedelta(minutes=59),
            ends_at=starts + timedelta(hours=2),
        )
    # Back to back is fine, and so is a slot that was cancelled.
    LiveSession.objects.create(
        course=course,
        teacher=teacher,
        student=b,
        starts_at=starts + timedelta(hours=1),
        ends_at=starts + timedelta(hours=2),
    )
    LiveSession.objects.create(
        course=course,
        teacher=teacher,
        student=b,
        status="cancelled",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
