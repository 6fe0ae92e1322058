"""The API's accounts endpoints and conventions: JWT pairs, rotation, reuse detection,
logout, error shape, rate limits."""

import re

import pytest
from django.core import mail

from accounts.models import RefreshToken, User
from tests.factories import make_user


def post(client, path, data, **extra):
    return client.post(path, data, content_type="application/json", **extra)


@pytest.fixture
def verified(db):
    return make_user(email="kim@example.test", password="a-long-pass-phrase")


@pytest.mark.django_db(transaction=True)
def test_register_sends_verification_and_login_waits_for_it(client):
    response = post(
        client,
        "/api/v1/auth/register/",
        {"email": "Jo@Example.test", "password": "a-long-pass-phrase", "first_name": "Jo", "last_name": "Moyo"},
    )
    assert response.status_code == 201
    assert response.json()["email"] == "jo@example.test"
    response = post(client, "/api/v1/auth/login/", {"email": "jo@example.test", "password": "a-long-pass-phrase"})
    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"
    key = re.search(r"/accounts/confirm-email/([^/]+)/", mail.outbox[-1].body).group(1)
    assert post(client, "/api/v1/auth/verify-email/", {"key": key}).status_code == 200
    response = post(client, "/api/v1/auth/login/", {"email": "jo@example.test", "password": "a-long-pass-phrase"})
    assert response.status_code == 200
    assert response.json()["user"]["first_name"] == "Jo"


@pytest.mark.django_db
def test_register_refuses_a_duplicate_email_and_a_weak_password(client, verified):
    response = post(
        client,
        "/api/v1/auth/register/",
        {"email": "KIM@example.test", "password": "a-long-pass-phrase", "first_name": "K", "last_name": "K"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "email" in response.json()["errors"]
    response = post(
        client,
        "/api/v1/auth/register/",
        {"email": "new@example.test", "password": "123", "first_name": "K", "last_name": "K"},
    )
    assert response.status_code == 400 and "password" in response.json()["errors"]


@pytest.mark.django_db
def test_bad_input_gets_field_errors(client):
    response = post(client, "/api/v1/auth/login/", {"email": "x@example.test"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "password" in body["errors"]


@pytest.mark.django_db
def test_login_me_refresh_rotation_and_reuse_revokes_the_family(client, verified):
    tokens = post(client, "/api/v1/auth/login/", {"email": "kim@example.test", "password": "a-long-pass-phrase"}).json()
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200 and me.json()["email"] == "kim@example.test"

    rotated = post(client, "/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != tokens["refresh"]

    reused = post(client, "/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401 and reused.json()["code"] == "token_reused"
    # The whole family is revoked: the newest refresh token no longer works either.
    assert post(client, "/api/v1/auth/refresh/", {"refresh": new["refresh"]}).status_code == 401
    assert RefreshToken.objects.filter(user=verified, revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_logout_revokes_the_refresh_token(client, verified):
    tokens = post(client, "/api/v1/auth/login/", {"email": "kim@example.test", "password": "a-long-pass-phrase"}).json()
    response = post(
        client, "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}"
    )
    assert response.status_code == 200
    assert post(client, "/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


@pytest.mark.django_db
def test_unauthenticated_and_bad_tokens_get_401_with_the_error_shape(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_an_access_token_of_an_inactive_or_deleted_user_is_refused(client, verified, django_assert_num_queries):
    from accounts.tokens import token_pair_issue

    access = token_pair_issue(user=verified).access
    with django_assert_num_queries(1):  # the user, by primary key
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    User.objects.filter(pk=verified.pk).update(is_active=False)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    User.objects.filter(pk=verified.pk).delete()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


@pytest.mark.django_db
def test_session_cookie_works_for_the_sites_own_pages(client, verified):
    client.force_login(verified)
    assert client.get("/api/v1/me/").json()["email"] == verified.email


@pytest.mark.django_db
def test_login_is_rate_limited_per_account_with_retry_after(client, verified, settings):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "login_account": "3/m"}
    for _ in range(3):
        post(client, "/api/v1/auth/login/", {"email": "kim@example.test", "password": "wrong"})
    response = post(client, "/api/v1/auth/login/", {"email": "kim@example.test", "password": "a-long-pass-phrase"})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db(transaction=True)
def test_password_reset_is_202_for_any_address_and_the_token_resets(client, verified):
    assert post(client, "/api/v1/auth/password-reset/", {"email": "nobody@example.test"}).status_code == 202
    assert mail.outbox == []
    assert post(client, "/api/v1/auth/password-reset/", {"email": "kim@example.test"}).status_code == 202
    body = mail.outbox[-1].body
    uid = re.search(r"uid: (\S+)", body).group(1)
    token = re.search(r"token: (\S+)", body).group(1)
    response = post(
        client,
        "/api/v1/auth/password-reset-confirm/",
        {"uid": uid, "token": token, "new_password": "another-long-phrase"},
    )
    assert response.status_code == 200
    assert User.objects.get(pk=verified.pk).check_password("another-long-phrase")
    again = post(
        client,
        "/api/v1/auth/password-reset-confirm/",
        {"uid": uid, "token": token, "new_password": "third-long-phrase"},
    )
    assert again.status_code == 400 and again.json()["code"] == "invalid_token"


@pytest.mark.django_db
def test_me_patch_updates_the_profile_and_validates_timezone(client, verified):
    client.force_login(verified)
    response = client.patch("/api/v1/me/", {"bio": "Hi", "timezone": "Asia/Tokyo"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["timezone"] == "Asia/Tokyo"
    response = client.patch("/api/v1/me/", {"timezone": "Nowhere/Land"}, content_type="application/json")
    assert response.status_code == 400 and "timezone" in response.json()["errors"]


def test_openapi_document_and_docs_are_served(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Lectern API"
    assert client.get("/api/v1/docs").status_code == 200
