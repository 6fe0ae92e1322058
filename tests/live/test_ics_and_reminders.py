"""The .ics invitation's content, and reminders 24 hours and 15 minutes before (sent once)."""

from datetime import UTC, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from core.site_url import site_address_set
from live.ics import session_ics
from live.models import LiveSession
from live.services import reminders_send_due, session_approve, session_request
from live.tasks import send_live_reminders
from messaging.models import Notification
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def approved():
    site_address_set(url="https://learn.example.org")  # the Wagtail Site, not settings.SITE_URL
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(course, first_name="Jane", last_name="Learner")
    session = session_request(
        student=student,
        course=course,
        teacher=teacher,
        starts_at=next_weekday_at("Europe/London", 0, 10, min_days=5),
        topic="Verbs",
    )
    session = session_approve(session=session, user=teacher)
    mail.outbox.clear()
    return session


def test_the_invitation_is_a_calendar_request_with_both_people_and_the_join_link(approved):
    session = approved
    calendar = Calendar.from_ical(session_ics(session=session))
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == session.starts_at.astimezone(UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=1)
    assert str(event["uid"]) == f"live-session-{session.pk}@learn.example.org"
    assert str(event["summary"]) == "Live class: Conversational Spanish"
    assert str(event["location"]) == f"https://learn.example.org/live/{session.pk}/join/"
    assert str(event["organizer"]) == f"mailto:{session.teacher.email}"
    attendees = event["attendee"]
    assert sorted(str(a) for a in attendees) == sorted(
        [f"mailto:{session.teacher.email}", f"mailto:{session.student.email}"]
    )
    cancel = Calendar.from_ical(session_ics(session=session, method="CANCEL"))
    assert str(cancel["method"]) == "CANCEL" and str(cancel.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_reminders_go_out_24_hours_and_15_minutes_before_and_only_once(approved):
    session = approved
    start = session.starts_at
    assert reminders_send_due(now=start - timedelta(hours=25)) == 0
    assert reminders_send_due(now=start - timedelta(hours=23, minutes=59)) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([session.teacher.email, session.student.email])
    assert all("tomorrow" in m.subject for m in mail.outbox)
    # A second run, or the same run twice, sends nothing more.
    assert reminders_send_due(now=start - timedelta(hours=23)) == 0
    assert reminders_send_due(now=start - timedelta(hours=1)) == 0
    assert len(mail.outbox) == 2
    assert reminders_send_due(now=start - timedelta(minutes=14)) == 1
    assert reminders_send_due(now=start - timedelta(minutes=10)) == 0
    assert [m.subject for m in mail.outbox[2:]] == ["Live class in 15 minutes: Conversational Spanish"] * 2
    assert Notification.objects.filter(kind="live_reminder").count() == 4
    # After the start, nothing is sent for it.
    assert reminders_send_due(now=start + timedelta(minutes=1)) == 0


def test_the_beat_task_sends_due_reminders_once_and_skips_cancelled_classes(approved):
    session = approved
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timedelta(minutes=10), ends_at=timezone.now() + timedelta(minutes=70)
    )
    assert send_live_reminders.delay().get() == 2  # both the day-before and the 15-minute reminder are due
    assert send_live_reminders.delay().get() == 0
    LiveSession.objects.filter(pk=session.pk).update(
        status="cancelled", reminder_24h_sent_at=None, reminder_15m_sent_at=None
    )
    assert send_live_reminders.delay().get() == 0


def test_an_approval_inside_24_hours_does_not_send_a_separate_day_before_reminder(settings):
    settings.LIVE_BOOKING_NOTICE_HOURS = 1
    teacher, course = teacher_with_course(tz="UTC", windows=[(d, time(0), time(23, 59)) for d in range(7)])
    student = enrolled_student(course)
    starts = (timezone.now() + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    if starts.hour == 23:  # the session would run past midnight, out of the teacher's day (windows end 23:59)
        starts += timedelta(hours=2)
    session = session_approve(
        session=session_request(student=student, course=course, teacher=teacher, starts_at=starts), user=teacher
    )
    assert session.reminder_24h_sent_at is not None
    mail.outbox.clear()
    assert reminders_send_due(now=starts - timedelta(hours=2)) == 0
    assert mail.outbox == []
