"""Requesting, approving, rejecting, cancelling and joining live classes."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from live.models import LiveAttendance, LiveSession
from live.services import (
    LiveError,
    session_approve,
    session_cancel,
    session_join,
    session_reject,
    session_request,
)
from messaging.models import Notification
from tests.factories import make_user
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking():
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(course, first_name="Sipho", last_name="Student")
    mail.outbox.clear()  # the enrollment's welcome email
    return teacher, course, student, next_weekday_at("Europe/London", 0, 10)


def test_a_student_requests_a_free_slot_and_the_teacher_is_told(booking):
    teacher, course, student, monday_10 = booking
    session = session_request(
        student=student, course=course, teacher=teacher, starts_at=monday_10, minutes=60, topic="Past tense"
    )
    assert session.status == LiveSession.Status.REQUESTED
    assert session.ends_at - session.starts_at == timedelta(hours=1)
    assert Notification.objects.get(user=teacher).kind == "live_request"
    assert [m.to for m in mail.outbox] == [[teacher.email]]
    assert "Sipho Student asked for a live class" in mail.outbox[0].subject


def test_requests_outside_availability_or_without_enrollment_are_refused(booking):
    teacher, course, student, monday_10 = booking
    with pytest.raises(LiveError) as exc:
        session_request(student=student, course=course, teacher=teacher, starts_at=monday_10 + timedelta(hours=2))
    assert exc.value.code == "not_available"  # 12:00–13:00 is past the 09:00–12:00 window
    outsider = make_user()
    with pytest.raises(LiveError) as exc:
        session_request(student=outsider, course=course, teacher=teacher, starts_at=monday_10)
    assert exc.value.code == "not_enrolled"
    not_a_teacher = make_user(role=User.Role.INSTRUCTOR)
    with pytest.raises(LiveError) as exc:
        session_request(student=student, course=course, teacher=not_a_teacher, starts_at=monday_10)
    assert exc.value.code == "not_enrolled"
    with pytest.raises(LiveError) as exc:
        session_request(student=student, course=course, teacher=teacher, starts_at=monday_10, minutes=50)
    assert exc.value.code == "invalid_length"
    assert not LiveSession.objects.exists()


def test_no_double_booking_for_the_teacher_or_the_student(booking):
    teacher, course, student, monday_10 = booking
    session_request(student=student, course=course, teacher=teacher, starts_at=monday_10)
    rival = enrolled_student(course)
    with pytest.raises(LiveError) as exc:
        session_request(
            student=rival, course=course, teacher=teacher, starts_at=monday_10 + timedelta(minutes=30), minutes=30
        )
    assert exc.value.code == "slot_taken"
    other_teacher, _ = teacher_with_course(tz="Europe/London")
    from coursepages.models import CourseInstructor

    CourseInstructor.objects.create(page=course, user=other_teacher)
    with pytest.raises(LiveError) as exc:
        session_request(student=student, course=course, teacher=other_teacher, starts_at=monday_10)
    assert exc.value.code == "slot_taken"
    assert LiveSession.objects.count() == 1


def test_approval_creates_an_unguessable_jitsi_room_and_invites_both_with_an_ics(booking, settings):
    settings.LIVE_PROVIDER = "jitsi"
    settings.JITSI_URL = "https://meet.example.org"
    teacher, course, student, monday_10 = booking
    session = session_request(student=student, course=course, teacher=teacher, starts_at=monday_10)
    mail.outbox.clear()
    session = session_approve(session=session, user=teacher)
    assert session.status == LiveSession.Status.APPROVED and session.provider == "jitsi"
    assert re.fullmatch(r"lectern-[0-9a-f]{32}", session.room_name)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([teacher.email, student.email])
    for message in mail.outbox:
        ((name, content, mimetype),) = message.attachments
        assert name == "live-class.ics" and mimetype.startswith("text/calendar")
        assert "BEGIN:VEVENT" in content and f"/live/{session.pk}/join/" in content
    with pytest.raises(LiveError) as exc:
        session_approve(session=session, user=teacher)
    assert exc.value.code == "not_requested"


def test_only_the_teacher_decides_and_rejection_frees_the_slot(booking):
    teacher, course, student, monday_10 = booking
    session = session_request(student=student, course=course, teacher=teacher, starts_at=monday_10)
    with pytest.raises(LiveError) as exc:
        session_approve(session=session, user=student)
    assert exc.value.code == "not_teacher"
    session = session_reject(session=session, user=teacher, reason="I am at a conference")
    assert session.status == LiveSession.Status.REJECTED
    assert Notification.objects.filter(user=student, kind="live_rejected").exists()
    again = session_request(student=student, course=course, teacher=teacher, starts_at=monday_10)
    assert again.status == LiveSession.Status.REQUESTED


def test_either_side_cancels_before_the_cutoff_but_not_after(booking, settings):
    settings.LIVE_CANCEL_CUTOFF_HOURS = 24
    teacher, course, student, monday_10 = booking
    session = session_approve(
        session=session_request(student=student, course=course, teacher=teacher, starts_at=monday_10), user=teacher
    )
    mail.outbox.clear()
    session = session_cancel(session=session, user=student, reason="Sick")
    assert session.status == LiveSession.Status.CANCELLED and session.cancelled_by == student
    assert [m.to for m in mail.outbox] == [[teacher.email]]
    assert "METHOD:CANCEL" in mail.outbox[0].attachments[0][1]

    late = session_request(student=student, course=course, teacher=teacher, starts_at=monday_10)
    LiveSession.objects.filter(pk=late.pk).update(
        starts_at=timezone.now() + timedelta(hours=5), ends_at=timezone.now() + timedelta(hours=6)
    )
    late.refresh_from_db()
    with pytest.raises(LiveError) as exc:
        session_cancel(session=late, user=teacher)
    assert exc.value.code == "past_cutoff"
    outsider = make_user()
    with pytest.raises(LiveError) as exc:
        session_cancel(session=late, user=outsider)
    assert exc.value.code == "not_party"


def _approved_now(booking, settings):
    teacher, course, student, monday_10 = booking
    session = session_approve(
        session=session_request(student=student, course=course, teacher=teacher, starts_at=monday_10), user=teacher
    )
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timedelta(minutes=5), ends_at=timezone.now() + timedelta(minutes=65)
    )
    session.refresh_from_db()
    return session


def test_joining_records_attendance_and_gives_each_party_a_signed_jitsi_url(booking, settings):
    settings.JITSI_URL = "https://meet.example.org"
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "lectern", "s3cret-for-tests"
    session = _approved_now(booking, settings)
    teacher, _, student, _ = booking
    url = session_join(session=session, user=student)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"https://meet.example.org/{session.room_name}"
    claims = jwt.decode(parse_qs(parts.query)["jwt"][0], "s3cret-for-tests", algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == session.room_name and claims["iss"] == "lectern" and claims["sub"] == "meet.example.org"
    assert claims["context"]["user"] == {
        "id": str(student.pk),
        "name": "Sipho Student",
        "email": student.email,
        "avatar": "",
        "moderator": "false",
    }
    teacher_claims = jwt.decode(
        parse_qs(urlsplit(session_join(session=session, user=teacher)).query)["jwt"][0],
        "s3cret-for-tests",
        algorithms=["HS256"],
        audience="jitsi",
    )
    assert teacher_claims["context"]["user"]["moderator"] == "true"
    session_join(session=session, user=student)
    attendance = {a.user_id: a.join_count for a in LiveAttendance.objects.filter(session=session)}
    assert attendance == {student.pk: 2, teacher.pk: 1}
    with pytest.raises(LiveError) as exc:
        session_join(session=session, user=make_user())
    assert exc.value.code == "not_party"


def test_the_join_page_lets_in_only_the_parties_and_admins(booking, settings, client, admin_user):
    settings.JITSI_URL = "https://meet.example.org"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    session = _approved_now(booking, settings)
    _, _, student, _ = booking
    client.force_login(student)
    response = client.get(f"/live/{session.pk}/join/")
    assert response.status_code == 302 and response["Location"] == f"https://meet.example.org/{session.room_name}"
    client.force_login(make_user())
    assert client.get(f"/live/{session.pk}/join/").status_code == 404
    client.force_login(admin_user)
    assert client.get(f"/live/{session.pk}/join/").status_code == 302
    assert LiveAttendance.objects.filter(session=session).count() == 2


def test_the_room_opens_fifteen_minutes_early(booking, settings):
    teacher, course, student, monday_10 = booking
    session = session_approve(
        session=session_request(student=student, course=course, teacher=teacher, starts_at=monday_10), user=teacher
    )
    with pytest.raises(LiveError) as exc:
        session_join(session=session, user=student)
    assert exc.value.code == "too_early"
    assert not LiveAttendance.objects.exists()
