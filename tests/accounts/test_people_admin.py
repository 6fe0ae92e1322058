"""Admins promote, demote, deactivate and reactivate people in the Wagtail admin; every
change keeps groups in step and is logged; instructors cannot reach the screen."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.models import User


@pytest.mark.django_db
def test_admin_promotes_a_student_to_instructor_and_deactivates_them(client, admin_user, student):
    client.force_login(admin_user)
    listing = client.get("/admin/people/")
    assert listing.status_code == 200 and student.email in listing.content.decode()
    response = client.post(f"/admin/people/edit/{student.pk}/", {"role": "instructor", "is_active": "on"})
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.role == "instructor"
    assert list(student.groups.values_list("name", flat=True)) == ["Instructors"]

    client.post(f"/admin/people/edit/{student.pk}/", {"role": "instructor"})
    student.refresh_from_db()
    assert not student.is_active
    entries = ModelLogEntry.objects.filter(object_id=str(student.pk), user=admin_user)
    actions = set(entries.values_list("action", flat=True))
    assert actions == {"lectern.user.role_changed", "lectern.user.deactivated"}

    client.post(f"/admin/people/edit/{student.pk}/", {"role": "student", "is_active": "on"})
    student.refresh_from_db()
    assert student.is_active and student.role == "student" and not student.groups.exists()


@pytest.mark.django_db
def test_instructors_cannot_open_the_people_screen(client, instructor, student):
    client.force_login(instructor)
    assert client.get("/admin/people/").status_code in (302, 403)
    client.post(f"/admin/people/edit/{student.pk}/", {"role": "admin", "is_active": "on"})
    assert User.objects.get(pk=student.pk).role == "student"


@pytest.mark.django_db
def test_people_list_exports_csv(client, admin_user, student):
    client.force_login(admin_user)
    response = client.get("/admin/people/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert "Email" in body.splitlines()[0] or "email" in body.splitlines()[0].lower()
    assert student.email in body
