"""Sign-up with mandatory email verification, sign-in, profile, roles and admin access."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from accounts.models import User
from accounts.services import user_set_role
from tests.factories import make_user


@pytest.mark.django_db
def test_signup_requires_email_verification_before_sign_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "New@Example.test",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "first_name": "Nomsa",
            "last_name": "Zulu",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email__iexact="new@example.test")
    assert (user.first_name, user.last_name, user.role) == ("Nomsa", "Zulu", "student")

    # Unverified: signing in is refused and sends us to "verify your email".
    client.logout()
    response = client.post("/accounts/login/", {"login": "new@example.test", "password": "a-long-pass-phrase"})
    assert "_auth_user_id" not in client.session

    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("testserver")[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    client.post(path)
    response = client.post("/accounts/login/", {"login": "new@example.test", "password": "a-long-pass-phrase"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_profile_edit_saves_names_bio_and_timezone(client, student):
    client.force_login(student)
    response = client.post(
        "/account/profile/",
        {"first_name": "Samuel", "last_name": "S", "bio": "Learning Python.", "timezone": "Europe/London"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert (student.first_name, student.bio, student.timezone) == ("Samuel", "Learning Python.", "Europe/London")


@pytest.mark.django_db
def test_profile_rejects_an_unknown_timezone(client, student):
    client.force_login(student)
    response = client.post("/account/profile/", {"first_name": "S", "last_name": "S", "timezone": "Mars/Base"})
    assert response.status_code == 200
    student.refresh_from_db()
    assert student.timezone == "Africa/Johannesburg"


@pytest.mark.django_db
def test_role_changes_keep_groups_in_step_and_are_logged(admin_user):
    from wagtail.models import ModelLogEntry

    user = make_user()
    user_set_role(user=user, role=User.Role.INSTRUCTOR, actor=admin_user)
    assert set(user.groups.values_list("name", flat=True)) == {"Instructors"}
    user_set_role(user=user, role=User.Role.ADMIN, actor=admin_user)
    assert set(user.groups.values_list("name", flat=True)) == {"Moderators"}
    user_set_role(user=user, role=User.Role.STUDENT, actor=admin_user)
    assert not user.groups.exists()
    entries = ModelLogEntry.objects.filter(action="lectern.user.role_changed", object_id=str(user.pk))
    assert entries.count() == 3
    assert entries.filter(user=admin_user).count() == 3
    assert Group.objects.filter(name__in=["Instructors", "Moderators"]).count() == 2


@pytest.mark.django_db
def test_instructor_reaches_the_wagtail_admin_and_a_student_does_not(client, instructor, student):
    client.force_login(instructor)
    assert client.get("/admin/").status_code == 200
    client.force_login(student)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")  # the admin signs in through allauth (MFA)


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client, student):
    for _ in range(5):
        client.post("/accounts/login/", {"login": student.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": student.email, "password": "pw-for-tests-1"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
