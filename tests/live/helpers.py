"""Builders for live-class tests."""

from datetime import time

from accounts.models import User
from learners.enrollment.services import enrollment_create
from live.models import WeeklyAvailability
from tests.factories import make_course, make_user


def teacher_with_course(*, tz="Europe/London", windows=((0, time(9), time(12)),)):
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher", timezone=tz)
    course = make_course(title="Conversational Spanish", instructor=teacher, lessons=1)
    for weekday, start, end in windows:
        WeeklyAvailability.objects.create(teacher=teacher, weekday=weekday, start_time=start, end_time=end, timezone=tz)
    return teacher, course


def enrolled_student(course, *, tz="Africa/Johannesburg", **fields):
    student = make_user(timezone=tz, **fields)
    enrollment_create(user=student, course=course)
    return student


def next_weekday_at(tz_name: str, weekday: int, hour: int, minute: int = 0, *, min_days: int = 3):
    """The first `weekday` at hour:minute (wall clock in tz_name) at least `min_days` ahead."""
    import zoneinfo
    from datetime import datetime, timedelta

    from django.utils import timezone

    tz = zoneinfo.ZoneInfo(tz_name)
    day = (timezone.now() + timedelta(days=min_days)).astimezone(tz).date()
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=tz)
