"""The admin API: people with roles (filtered, paginated), role and activity changes through
the account services (groups in step, audit log, no self-lockout), and platform analytics
from the roll-up — each with its refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from learners.analytics.services import analytics_rollup
from learners.enrollment.services import enrollment_create
from tests.api.test_learning_api import bearer
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def patch(client, url, data, **headers):
    return client.patch(url, data, content_type="application/json", **headers)


def test_users_list_filters_by_role_and_text(client, admin_user, student, instructor):
    deleted = make_user(first_name="Gone")
    deleted.anonymised_at = timezone.now()
    deleted.save()
    headers = bearer(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/admin/users/?page_size=2", **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]  # the anonymised account is gone
    assert len(queries) == 3  # the admin, the count, the page
    instructors = client.get("/api/v1/admin/users/?role=instructor", **headers).json()["results"]
    assert [(u["email"], u["role"], u["name"]) for u in instructors] == [
        (instructor.email, "instructor", "Ivy Instructor")
    ]
    assert [u["id"] for u in client.get("/api/v1/admin/users/?q=sam", **headers).json()["results"]] == [student.pk]
    assert client.get("/api/v1/admin/users/?role=wizard", **headers).status_code == 400


def test_users_list_refuses_anonymous_and_non_admins(client, instructor):
    assert client.get("/api/v1/admin/users/").status_code == 401
    refused = client.get("/api/v1/admin/users/", **bearer(instructor))
    assert refused.status_code == 403 and refused.json()["code"] == "not_admin"


def test_patch_changes_role_deactivates_and_reactivates_through_the_services(client, admin_user, student):
    headers, url = bearer(admin_user), f"/api/v1/admin/users/{student.pk}/"
    response = patch(client, url, {"role": "instructor", "is_active": False}, **headers)
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["is_active"]) == ("instructor", False)
    student.refresh_from_db()
    assert list(student.groups.values_list("name", flat=True)) == ["Instructors"] and not student.is_active
    actions = set(
        ModelLogEntry.objects.filter(object_id=str(student.pk), user=admin_user).values_list("action", flat=True)
    )
    assert actions == {"lectern.user.role_changed", "lectern.user.deactivated"}
    assert patch(client, url, {"is_active": True}, **headers).json()["is_active"] is True


def test_patch_refusals(client, admin_user, instructor, student):
    url = f"/api/v1/admin/users/{student.pk}/"
    assert patch(client, url, {"role": "admin"}).status_code == 401
    assert patch(client, url, {"role": "admin"}, **bearer(instructor)).status_code == 403
    headers = bearer(admin_user)
    assert patch(client, "/api/v1/admin/users/999999/", {"role": "admin"}, **headers).status_code == 404
    bad_role = patch(client, url, {"role": "wizard"}, **headers)
    assert bad_role.status_code == 400 and "role" in bad_role.json()["errors"]
    own = f"/api/v1/admin/users/{admin_user.pk}/"
    demote = patch(client, own, {"role": "student"}, **headers)
    assert demote.status_code == 400 and demote.json()["code"] == "cannot_demote_self"
    deactivate = patch(client, own, {"role": "admin", "is_active": False}, **headers)
    assert deactivate.status_code == 400 and deactivate.json()["code"] == "cannot_deactivate_self"
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == "admin"
    student.refresh_from_db()
    assert student.role == "student"  # the refused instructor changed nothing


def test_people_screen_refuses_self_lockout_too(client, admin_user):
    client.force_login(admin_user)
    response = client.post(f"/admin/people/edit/{admin_user.pk}/", {"role": "admin"})  # is_active unticked
    assert response.status_code == 200 and "cannot deactivate your own account" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_platform_analytics_from_the_rollup(client, admin_user, instructor, student):
    course = make_course(title="Algebra", instructor=instructor)
    enrollment_create(user=student, course=course)
    analytics_rollup(days=1)
    today = timezone.localdate().isoformat()
    response = client.get(f"/api/v1/admin/analytics/?start={today}&end={today}", **bearer(admin_user))
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["enrollments"] == 1 and body["totals"]["new_users"] >= 3
    assert body["totals"]["revenue"] == {"amount": 0, "currency": "ZAR"}
    assert [row["date"] for row in body["series"]] == [today]
    assert [(c["title"], c["enrollments"]) for c in body["top_courses"]] == [("Algebra", 1)]
    assert [(i["instructor_id"], i["name"], i["courses"]) for i in body["instructors"]] == [
        (instructor.pk, "Ivy Instructor", 1)
    ]


def test_platform_analytics_refusals(client, instructor, admin_user):
    assert client.get("/api/v1/admin/analytics/").status_code == 401
    assert client.get("/api/v1/admin/analytics/", **bearer(instructor)).status_code == 403
    assert client.get("/api/v1/admin/analytics/?end=31-12-2025", **bearer(admin_user)).status_code == 400
