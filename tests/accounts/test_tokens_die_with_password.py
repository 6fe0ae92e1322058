"""API refresh tokens die with the password: a password changed on the website, reset there,
or set any other way (admin, shell) refuses every refresh token issued before it."""

import re

import pytest
from allauth.account import signals as account_signals
from django.core import mail
from django.test import Client

from accounts.models import RefreshToken
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def kim(db):
    return make_user(email="kim@example.test", password=PASSWORD)


def api_sign_in() -> tuple[Client, dict]:
    api = Client()
    tokens = api.post(
        "/api/v1/auth/login/", {"email": "kim@example.test", "password": PASSWORD}, content_type="application/json"
    ).json()
    return api, tokens


def refresh(api, tokens):
    return api.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, content_type="application/json")


def test_a_password_changed_on_the_website_revokes_the_apis_refresh_tokens(client, kim):
    api, tokens = api_sign_in()
    client.force_login(kim)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-phrase-9", "password2": "another-long-phrase-9"},
    )
    assert response.status_code == 302
    assert not RefreshToken.objects.filter(user=kim, revoked_at__isnull=True).exists()
    response = refresh(api, tokens)
    assert response.status_code == 401 and response.json()["code"] in ("token_revoked", "token_reused")


def test_a_password_reset_on_the_website_revokes_the_apis_refresh_tokens(client, kim):
    api, tokens = api_sign_in()
    client.post("/accounts/password/reset/", {"email": "kim@example.test"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": "another-long-phrase-9", "password2": "another-long-phrase-9"},
    )
    assert response.status_code == 302
    assert not RefreshToken.objects.filter(user=kim, revoked_at__isnull=True).exists()
    assert refresh(api, tokens).status_code == 401


def test_a_password_set_any_other_way_refuses_older_refresh_tokens(kim):
    api, tokens = api_sign_in()
    kim.set_password("set-in-the-admin-42")
    kim.save()
    response = refresh(api, tokens)
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    # the refusal revokes the rest of the account's tokens too
    assert not RefreshToken.objects.filter(user=kim, revoked_at__isnull=True).exists()


def test_tokens_issued_after_the_change_work(kim):
    kim.set_password("set-in-the-admin-42")
    kim.save()
    api = Client()
    tokens = api.post(
        "/api/v1/auth/login/",
        {"email": "kim@example.test", "password": "set-in-the-admin-42"},
        content_type="application/json",
    ).json()
    assert refresh(api, tokens).status_code == 200


def test_the_password_set_signal_revokes(kim):
    api_sign_in()
    account_signals.password_set.send(sender=type(kim), request=None, user=kim)
    assert not RefreshToken.objects.filter(user=kim, revoked_at__isnull=True).exists()
