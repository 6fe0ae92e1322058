"""Public verification, on the page and in the API: valid, revoked, unknown; loose
matching; a per-IP rate limit with a clear 429."""

import datetime

import pytest
from django.core.cache import cache

from certificates.models import Certificate
from certificates.services import certificate_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    settings.CERTIFICATE_VERIFY_RATE = "5/10m"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(student):
    return Certificate.objects.create(
        code="ABCDEFGHJKLMNPQ",
        user=student,
        student_name="Sam Student",
        course_title="Soil Science",
        hours=3,
        completed_on=datetime.date(2026, 5, 17),
    )


def test_valid_code_shows_student_course_and_date(client, certificate):
    response = client.get("/certificates/verify/abcde-fghjk-lmnpq/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="valid"' in body
    assert "Sam Student" in body and "Soil Science" in body and "17 May 2026" in body


def test_revoked_code_says_revoked(client, certificate, admin_user):
    certificate_revoke(certificate=certificate, by=admin_user, reason="Issued in error")
    body = client.get("/certificates/verify/ABCDE-FGHJK-LMNPQ/").content.decode()
    assert 'data-verdict="revoked"' in body and 'data-verdict="valid"' not in body
    assert "no longer valid" in body


def test_unknown_code_says_unknown(client, certificate):
    response = client.get("/certificates/verify/ZZZZZ-ZZZZZ-ZZZZZ/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-verdict="unknown"' in body and "Sam Student" not in body


def test_the_form_sends_a_typed_code_to_its_page(client, certificate):
    response = client.get("/certificates/verify/", {"code": " abcde fghjk lmnpq "})
    assert response.status_code == 302 and response["Location"] == "/certificates/verify/ABCDE-FGHJK-LMNPQ/"
    assert client.get("/certificates/verify/", {"code": "  "}).status_code == 400
    assert 'name="code"' in client.get("/certificates/verify/").content.decode()


def test_lookups_are_rate_limited_per_ip_with_a_clear_429(client, certificate):
    for _ in range(5):
        assert client.get("/certificates/verify/ZZZZZ-ZZZZZ-ZZZZZ/").status_code == 200
    response = client.get("/certificates/verify/ABCDE-FGHJK-LMNPQ/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Too many lookups" in response.content.decode()
    assert "Sam Student" not in response.content.decode()
    # The API shares the budget, and another address still gets answers.
    api = client.get("/api/v1/certificates/verify/ABCDE-FGHJK-LMNPQ/")
    assert api.status_code == 429 and api.json()["code"] == "rate_limited" and api["Retry-After"]
    other = client.get("/certificates/verify/ABCDE-FGHJK-LMNPQ/", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200 and 'data-verdict="valid"' in other.content.decode()


def test_api_verify_valid(client, certificate):
    data = client.get("/api/v1/certificates/verify/abcdefghjklmnpq/").json()
    assert data["valid"] is True and data["revoked"] is False
    assert (data["student_name"], data["course_title"]) == ("Sam Student", "Soil Science")
    assert data["issued_at"].startswith(str(certificate.issued_at.date())[:4])


def test_api_verify_revoked(client, certificate, admin_user):
    certificate_revoke(certificate=certificate, by=admin_user, reason="Issued in error")
    data = client.get("/api/v1/certificates/verify/ABCDE-FGHJK-LMNPQ/").json()
    assert (data["valid"], data["revoked"], data["student_name"]) == (False, True, "Sam Student")


def test_api_verify_unknown_is_200_with_valid_false(client, certificate):
    response = client.get("/api/v1/certificates/verify/ZZZZZ-ZZZZZ-ZZZZZ/")
    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "revoked": False,
        "student_name": None,
        "course_title": None,
        "issued_at": None,
        "completed_on": None,
        "code": None,
    }
