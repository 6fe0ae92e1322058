"""The live-class API (paths relative to /api/v1/live/), the pages under /live/, and the
admin screen with its conflict and no-show filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from live.models import AvailabilityException, LiveAttendance, LiveSession
from live.services import session_approve, session_request
from tests.factories import make_user
from tests.live.helpers import enrolled_student, next_weekday_at, teacher_with_course

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1/live"


@pytest.fixture
def parties():
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(course, tz="Africa/Johannesburg", first_name="Sipho", last_name="Student")
    return teacher, course, student


def test_api_request_approve_and_list(client, parties):
    teacher, course, student = parties
    starts = next_weekday_at("Europe/London", 0, 10)
    assert client.get(f"{API}/sessions/").status_code == 401
    client.force_login(student)
    availability = client.get(f"{API}/availability/{teacher.pk}/?minutes=60&days=14").json()
    assert availability["timezone"] == "Africa/Johannesburg"
    first = availability["slots"][0]["starts_at"]
    assert first.endswith("+02:00")  # shown in the student's zone
    response = client.post(
        f"{API}/sessions/",
        {"course_id": course.pk, "teacher_id": teacher.pk, "starts_at": starts.isoformat(), "minutes": 60},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    session_id = response.json()["id"]
    assert response.json()["status"] == "requested" and response.json()["join_url"] is None
    again = client.post(
        f"{API}/sessions/",
        {"course_id": course.pk, "teacher_id": teacher.pk, "starts_at": starts.isoformat(), "minutes": 60},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json() == {
        "detail": "That time has just been taken. Choose another slot.",
        "code": "slot_taken",
    }
    # The booked slot is gone from the free list.
    slots = client.get(f"{API}/availability/{teacher.pk}/").json()["slots"]
    assert starts.isoformat() not in {s["starts_at"] for s in slots}
    assert client.put(f"{API}/sessions/{session_id}/approve/").json()["code"] == "not_teacher"

    client.force_login(teacher)
    approved = client.put(f"{API}/sessions/{session_id}/approve/")
    assert approved.status_code == 200 and approved.json()["join_url"] == f"/live/{session_id}/join/"
    listing = client.get(f"{API}/sessions/?page_size=1").json()
    assert listing["count"] == 1 and listing["next"] is None and listing["results"][0]["id"] == session_id

    client.force_login(make_user())
    assert client.put(f"{API}/sessions/{session_id}/cancel/").status_code == 404
    assert client.get(f"{API}/sessions/").json()["count"] == 0


def test_api_reject_and_cancel_with_reasons_and_bad_input(client, parties):
    teacher, course, student = parties
    starts = next_weekday_at("Europe/London", 0, 9)
    client.force_login(student)
    bad = client.post(
        f"{API}/sessions/",
        {"course_id": course.pk, "teacher_id": teacher.pk, "starts_at": (starts + timedelta(hours=5)).isoformat()},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad.json()["code"] == "not_available"
    assert client.get(f"{API}/availability/{teacher.pk}/?minutes=17").json()["code"] == "invalid_length"
    one = client.post(
        f"{API}/sessions/",
        {"course_id": course.pk, "teacher_id": teacher.pk, "starts_at": starts.isoformat()},
        content_type="application/json",
    ).json()
    two = client.post(
        f"{API}/sessions/",
        {"course_id": course.pk, "teacher_id": teacher.pk, "starts_at": (starts + timedelta(hours=1)).isoformat()},
        content_type="application/json",
    ).json()
    cancelled = client.put(f"{API}/sessions/{two['id']}/cancel/", {"reason": "Clash"}, content_type="application/json")
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["note"] == "Clash"
    client.force_login(teacher)
    rejected = client.put(f"{API}/sessions/{one['id']}/reject/", {"reason": "Away"}, content_type="application/json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["note"] == "Away"


def test_pages_book_decide_and_see_the_link(client, parties):
    teacher, course, student = parties
    starts = next_weekday_at("Europe/London", 0, 10)
    client.force_login(student)
    choose = client.get("/live/book/")
    assert f"/live/book/{course.pk}/{teacher.pk}/" in choose.content.decode()
    page = client.get(f"/live/book/{course.pk}/{teacher.pk}/").content.decode()
    local = starts.astimezone(student.tzinfo).strftime("%H:%M")
    assert f">{local}</button>" in page and "Africa/Johannesburg" in page
    response = client.post(
        f"/live/book/{course.pk}/{teacher.pk}/",
        {"starts_at": starts.isoformat(), "minutes": 60, "topic": "Subjunctive"},
    )
    session = LiveSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/live/{session.pk}/"
    client.force_login(teacher)
    dashboard = client.get("/live/").content.decode()
    assert "Waiting for your decision" in dashboard and "Sipho Student" in dashboard
    client.post(f"/live/{session.pk}/approve/")
    session.refresh_from_db()
    assert session.status == "approved"
    for person in (teacher, student):
        client.force_login(person)
        assert f'href="/live/{session.pk}/join/"' in client.get(f"/live/{session.pk}/").content.decode()
    client.force_login(make_user())
    assert client.get(f"/live/{session.pk}/").status_code == 404


def test_teachers_manage_weekly_times_and_leave(client, parties):
    teacher, course, student = parties
    client.force_login(teacher)
    client.post(
        "/live/availability/", {"action": "add_window", "w-weekday": 2, "w-start_time": "14:00", "w-end_time": "16:00"}
    )
    assert teacher.live_availability.filter(weekday=2).get().timezone == "Europe/London"
    clash = client.post(
        "/live/availability/",
        {"action": "add_window", "w-weekday": 2, "w-start_time": "15:00", "w-end_time": "17:00"},
        follow=True,
    )
    assert "overlaps one you already have" in clash.content.decode()
    client.post(
        "/live/availability/",
        {"action": "add_exception", "x-first_day": "2030-01-01", "x-last_day": "2030-01-02", "x-reason": "New year"},
    )
    leave = AvailabilityException.objects.get(teacher=teacher)
    assert leave.starts_at.isoformat() == "2030-01-01T00:00:00+00:00"
    assert leave.ends_at.isoformat() == "2030-01-03T00:00:00+00:00"
    client.force_login(student)
    assert client.get("/live/availability/").status_code == 403


def test_admin_screen_lists_sessions_with_conflict_and_no_show_filters(client, parties, admin_user):
    teacher, course, student = parties
    starts = next_weekday_at("Europe/London", 0, 10)
    upcoming = session_approve(
        session=session_request(student=student, course=course, teacher=teacher, starts_at=starts), user=teacher
    )
    AvailabilityException.objects.create(
        teacher=teacher, starts_at=starts - timedelta(days=1), ends_at=starts + timedelta(days=1), reason="Sick leave"
    )
    past = LiveSession.objects.create(
        course=course,
        teacher=teacher,
        student=student,
        status="approved",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    LiveAttendance.objects.create(session=past, user=teacher)
    client.force_login(admin_user)
    conflicts = client.get("/admin/live_sessions/?problem=conflict").content.decode()
    no_shows = client.get("/admin/live_sessions/?problem=no_show").content.decode()
    assert f"/admin/live_sessions/edit/{upcoming.pk}/" in conflicts
    assert f"/admin/live_sessions/edit/{past.pk}/" not in conflicts
    assert f"/admin/live_sessions/edit/{past.pk}/" in no_shows
    assert f"/admin/live_sessions/edit/{upcoming.pk}/" not in no_shows
    client.force_login(student)
    assert client.get("/admin/live_sessions/").status_code in (302, 403)


def test_dashboard_panel_lists_upcoming_classes(client, parties, rf):
    from django.template.loader import render_to_string

    from live.selectors import upcoming_for

    teacher, course, student = parties
    session = session_request(
        student=student, course=course, teacher=teacher, starts_at=next_weekday_at("Europe/London", 0, 10)
    )
    request = rf.get("/dashboard/")
    request.user = student
    html = render_to_string(
        "live/_dashboard_panel.html", {"live_upcoming": upcoming_for(user=student)}, request=request
    )
    assert f'href="/live/{session.pk}/"' in html and "Requested" in html
    assert upcoming_for(user=make_user()) == []
