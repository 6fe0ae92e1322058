"""Availability maths: weekly windows in the teacher's zone, shown in the student's zone,
across the March and October clock changes; leave and bookings remove slots."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest

from live.models import AvailabilityException, LiveSession, WeeklyAvailability
from live.selectors import free_slots_for, slots_by_local_day
from tests.live.helpers import enrolled_student, teacher_with_course

JOHANNESBURG = zoneinfo.ZoneInfo("Africa/Johannesburg")
LONDON = zoneinfo.ZoneInfo("Europe/London")


def local_times(slots, tz):
    return [(s.starts_at.astimezone(tz).strftime("%a %d %b %H:%M")) for s in slots]


@pytest.mark.django_db
def test_london_monday_morning_moves_an_hour_earlier_for_johannesburg_after_the_march_change():
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(0, time(9), time(12))])
    student = enrolled_student(course, tz="Africa/Johannesburg")
    # From Mon 23 March 2026 (GMT) over Sunday 29 March (clocks go forward) to Mon 30 March (BST).
    slots = free_slots_for(
        teacher=teacher, student=student, minutes=60, days=14, now=datetime(2026, 3, 22, 12, tzinfo=UTC)
    )
    assert local_times(slots, JOHANNESBURG) == [
        "Mon 23 Mar 11:00",
        "Mon 23 Mar 12:00",
        "Mon 23 Mar 13:00",  # London on UTC+0
        "Mon 30 Mar 10:00",
        "Mon 30 Mar 11:00",
        "Mon 30 Mar 12:00",  # London on UTC+1
    ]
    # The teacher still sees the same wall-clock window both weeks.
    assert {s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in slots} == {"09:00", "10:00", "11:00"}


@pytest.mark.django_db
def test_london_monday_morning_moves_an_hour_later_for_johannesburg_after_the_october_change():
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(0, time(9), time(10, 30))])
    student = enrolled_student(course, tz="Africa/Johannesburg")
    slots = free_slots_for(
        teacher=teacher, student=student, minutes=30, days=14, now=datetime(2026, 10, 18, 12, tzinfo=UTC)
    )
    assert local_times(slots, JOHANNESBURG) == [
        "Mon 19 Oct 10:00",
        "Mon 19 Oct 10:30",
        "Mon 19 Oct 11:00",  # BST, UTC+1
        "Mon 26 Oct 11:00",
        "Mon 26 Oct 11:30",
        "Mon 26 Oct 12:00",  # GMT after 25 October
    ]


@pytest.mark.django_db
def test_a_window_across_the_spring_forward_gap_is_as_long_as_the_hours_that_really_pass():
    # Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST; 00:30–03:30 on the wall is 2 real hours.
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(6, time(0, 30), time(3, 30))])
    slots = free_slots_for(teacher=teacher, minutes=60, days=7, now=datetime(2026, 3, 25, tzinfo=UTC))
    assert [(s.starts_at.isoformat(), s.ends_at.isoformat()) for s in slots] == [
        ("2026-03-29T00:30:00+00:00", "2026-03-29T01:30:00+00:00"),
        ("2026-03-29T01:30:00+00:00", "2026-03-29T02:30:00+00:00"),
    ]
    assert local_times(slots, LONDON) == ["Sun 29 Mar 00:30", "Sun 29 Mar 02:30"]


@pytest.mark.django_db
def test_a_window_across_the_autumn_change_gains_the_repeated_hour():
    # Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT; 00:30–03:30 on the wall is 4 real hours.
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(6, time(0, 30), time(3, 30))])
    slots = free_slots_for(teacher=teacher, minutes=60, days=7, now=datetime(2026, 10, 21, tzinfo=UTC))
    assert [s.starts_at.isoformat() for s in slots] == [
        "2026-10-24T23:30:00+00:00",
        "2026-10-25T00:30:00+00:00",
        "2026-10-25T01:30:00+00:00",
        "2026-10-25T02:30:00+00:00",
    ]
    assert [s.starts_at.astimezone(LONDON).strftime("%H:%M %Z") for s in slots] == [
        "00:30 BST",
        "01:30 BST",
        "01:30 GMT",
        "02:30 GMT",
    ]


@pytest.mark.django_db
def test_leave_and_held_sessions_remove_slots_for_the_teacher_and_the_student():
    teacher, course = teacher_with_course(tz="Europe/London", windows=[(0, time(9), time(12)), (1, time(9), time(12))])
    student = enrolled_student(course)
    other = enrolled_student(course)
    now = datetime(2026, 6, 7, 12, tzinfo=UTC)  # Sunday; Mon 8 and Tue 9 June follow (BST)
    AvailabilityException.objects.create(
        teacher=teacher,
        starts_at=datetime(2026, 6, 9, tzinfo=LONDON),
        ends_at=datetime(2026, 6, 10, tzinfo=LONDON),
        reason="Holiday",
    )
    LiveSession.objects.create(
        course=course,
        teacher=teacher,
        student=other,
        status="approved",
        starts_at=datetime(2026, 6, 8, 8, tzinfo=UTC),
        ends_at=datetime(2026, 6, 8, 9, tzinfo=UTC),
    )
    LiveSession.objects.create(
        course=course,
        teacher=teacher,
        student=other,
        status="cancelled",
        starts_at=datetime(2026, 6, 8, 9, tzinfo=UTC),
        ends_at=datetime(2026, 6, 8, 10, tzinfo=UTC),
    )
    slots = free_slots_for(teacher=teacher, student=student, minutes=60, days=3, now=now)
    # 09:00 London is held by an approved class; the cancelled one frees 10:00; Tuesday is leave.
    assert local_times(slots, LONDON) == ["Mon 08 Jun 10:00", "Mon 08 Jun 11:00"]

    # The student's own class with another teacher at 11:00 London hides that slot too.
    other_teacher, other_course = teacher_with_course(tz="Asia/Tokyo", windows=[])
    LiveSession.objects.create(
        course=other_course,
        teacher=other_teacher,
        student=student,
        status="requested",
        starts_at=datetime(2026, 6, 8, 10, tzinfo=UTC),
        ends_at=datetime(2026, 6, 8, 11, tzinfo=UTC),
    )
    slots = free_slots_for(teacher=teacher, student=student, minutes=60, days=3, now=now)
    assert local_times(slots, LONDON) == ["Mon 08 Jun 10:00"]


@pytest.mark.django_db
def test_slots_respect_the_booking_notice_and_group_by_the_viewers_day(settings):
    settings.LIVE_BOOKING_NOTICE_HOURS = 2
    teacher, course = teacher_with_course(tz="America/New_York", windows=[(0, time(20), time(23))])
    now = datetime(2026, 6, 8, 23, 30, tzinfo=UTC)  # Mon 8 June 19:30 in New York
    slots = free_slots_for(teacher=teacher, minutes=60, days=2, now=now)
    # 20:00 and 21:00 New York are less than 2 hours away; 22:00 (02:00 UTC) is the first.
    assert [s.starts_at for s in slots] == [datetime(2026, 6, 9, 2, tzinfo=UTC)]
    # In Johannesburg that Monday-evening slot falls on Tuesday.
    days = slots_by_local_day(slots, JOHANNESBURG)
    assert [(day.isoformat(), [local.strftime("%H:%M") for _, local, _ in items]) for day, items in days] == [
        ("2026-06-09", ["04:00"])
    ]
    assert WeeklyAvailability.objects.get(teacher=teacher).timezone == "America/New_York"
