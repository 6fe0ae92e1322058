"""Privacy: export contains everything about the user and nothing about others; deletion
anonymises, keeps records, and makes sign-in impossible."""

import json

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from core.notify import notify
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment, LessonProgress
from tests.factories import lessons_of


@pytest.fixture
def history(student, other_student, free_course):
    enrollment_create(user=student, course=free_course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons_of(free_course)[0]))
    enrollment_create(user=other_student, course=free_course)
    lesson_complete(context=learning_context_for(user=other_student, lesson=lessons_of(free_course)[1]))
    notify(user=student, kind="test", title="Mine")
    notify(user=other_student, kind="test", title="Theirs")
    return free_course


@pytest.mark.django_db
def test_export_has_everything_about_the_user_and_nothing_about_others(client, student, other_student, history):
    client.force_login(student)
    response = client.get("/account/privacy/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == student.email
    assert "password" not in data["account"]
    records = data["records"]
    assert [row["user_id"] for row in records["learners.Enrollment"]] == [student.pk]
    progress = records["learners.LessonProgress"]
    own_enrollment = Enrollment.objects.get(user=student).pk
    assert progress and all(row["enrollment_id"] == own_enrollment for row in progress)
    assert [row["title"] for row in records["messaging.Notification"]] == ["Mine"]
    assert other_student.email not in response.content.decode()
    assert "accounts.RefreshToken" not in records


@pytest.mark.django_db
def test_api_export_matches_the_web_export(client, student, history):
    client.force_login(student)
    data = client.get("/api/v1/me/export/").json()
    assert data["account"]["email"] == student.email
    assert len(data["records"]["learners.Enrollment"]) == 1


@pytest.mark.django_db
def test_delete_anonymises_keeps_records_and_blocks_sign_in(client, student, history):
    email = student.email
    client.force_login(student)
    response = client.post("/account/privacy/delete/", {"password": "wrong"})
    assert User.objects.get(pk=student.pk).is_active
    response = client.post("/account/privacy/delete/", {"password": "pw-for-tests-1"})
    assert response.status_code == 302
    user = User.objects.get(pk=student.pk)
    assert not user.is_active and user.anonymised_at
    assert user.email != email and user.first_name == "" and not user.has_usable_password()
    assert not EmailAddress.objects.filter(email=email).exists()
    # Learning records are kept, linked to the anonymous account.
    assert LessonProgress.objects.filter(enrollment__user=user).count() == 1
    # The session ended and signing in again is impossible.
    assert client.get("/dashboard/").status_code == 302
    assert not client.login(email=email, password="pw-for-tests-1")


@pytest.mark.django_db
def test_api_delete_me(client, student):
    client.force_login(student)
    assert client.delete("/api/v1/me/").status_code == 204
    assert not User.objects.get(pk=student.pk).is_active
