"""Bad bytes get a clear 400, never a 500: a NUL character in a search, the sign-in email, a
profile, review or message field, an API body (xAPI included); a "/" in a certificate code is
a 404. Runs on PostgreSQL too (which refuses NUL in text), with DATABASE_URL set."""

import json

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db
NUL = "a\x00b"


@pytest.fixture
def signed_in(client, student):
    client.force_login(student)
    return client


WEB_GETS = [
    "/courses/?q=" + NUL,
    "/courses/?category=" + NUL,
    "/certificates/verify/?code=" + NUL,
]


@pytest.mark.parametrize("url", WEB_GETS)
def test_a_nul_in_a_query_string_is_a_400_page_with_the_reason(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


WEB_FORMS = [
    ("/accounts/login/", {"login": "kim" + NUL + "@example.test", "password": "x"}),
    ("/accounts/signup/", {"email": NUL, "password1": "x", "password2": "x"}),
    ("/accounts/password/reset/", {"email": NUL}),
    ("/account/profile/", {"first_name": NUL, "bio": NUL}),
    ("/messages/new/", {"body": NUL}),
    ("/learn/courses/1/review/", {"rating": "5", "body": NUL}),
]


@pytest.mark.parametrize(("url", "data"), WEB_FORMS)
def test_a_nul_in_a_form_field_is_a_400(signed_in, url, data):
    response = signed_in.post(url, data)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


API_CALLS = [
    ("post", "/api/v1/auth/login/", {"email": "kim" + NUL + "@example.test", "password": "x"}),
    ("post", "/api/v1/auth/register/", {"email": NUL, "password": "a-long-pass-phrase"}),
    ("post", "/api/v1/auth/password-reset/", {"email": NUL}),
    ("patch", "/api/v1/me/", {"first_name": NUL, "bio": NUL}),
    ("get", "/api/v1/courses/?q=" + NUL, None),
    ("post", "/api/v1/conversations/", {"recipient": 1, "body": NUL}),
    ("post", "/api/v1/h5p/abc/xapi/", {"statement": {"verb": {"id": NUL}, "object": {"id": "x"}}}),
    ("put", "/api/v1/h5p/abc/state/", {"state": {"answers": [NUL]}}),
    ("put", "/api/v1/lessons/1/progress/", {"position": NUL}),
]


@pytest.mark.parametrize(("method", "url", "data"), API_CALLS)
def test_a_nul_in_an_api_field_is_a_400_with_the_error_shape(signed_in, method, url, data):
    call = getattr(signed_in, method)
    if data is None:
        response = call(url)
    else:
        response = call(url, json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request contains a NUL character (\\x00), which no field accepts.",
        "code": "invalid",
    }


def test_clean_requests_pass(client):
    make_user(email="kim@example.test", password="a-long-pass-phrase")
    response = client.post(
        "/api/v1/auth/login/",
        {"email": "kim@example.test", "password": "a-long-pass-phrase"},
        content_type="application/json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("code", ["AB/CD", "ABCDE/FGHJK/LMNPQ", "../admin"])
def test_a_slash_in_a_certificate_code_is_a_404(client, code):
    response = client.get("/certificates/verify/", {"code": code})
    assert response.status_code == 404
    assert "letters and digits" in response.content.decode()
    api = client.get("/api/v1/certificates/verify/" + code.replace("/", "%2F") + "/")
    assert api.status_code == 404


@pytest.mark.django_db
def test_the_nul_check_leaves_a_webhook_its_raw_body(client, settings):
    """A multipart body read for the check stays readable as raw bytes (webhooks verify their
    signature over them): a malformed one is the webhook's refusal, never a 500; a NUL in a
    multipart field is still a 400."""
    settings.PAYSTACK_SECRET_KEY = "sk_test_not_a_real_key"
    malformed = client.generic("POST", "/api/v1/payments/webhook/paystack/", b"x", content_type="multipart/form-data")
    assert malformed.status_code == 401
    signed = client.post("/api/v1/payments/webhook/paystack/", {"event": "charge.success"})  # multipart, no signature
    assert signed.status_code == 401
    nul = client.post("/api/v1/payments/webhook/paystack/", {"event": "charge\x00success"})
    assert nul.status_code == 400
