"""Two-factor sign-in (allauth.mfa): required for admins and moderators on every page, for
instructors before bank details and payouts, asked for by the Wagtail admin's sign-in (through
allauth's) and by the API's token sign-in; optional for students. Changing it revokes tokens."""

import pytest
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from accounts.models import RefreshToken
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def boss(db):
    return make_user(email="boss@example.test", password=PASSWORD, role="admin")


def api_login(email, password=PASSWORD, code=None):
    body = {"email": email, "password": password}
    if code is not None:
        body["code"] = code
    return Client().post("/api/v1/auth/login/", body, content_type="application/json")


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up(client, boss):
    client.force_login(boss)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
    setup = client.get("/accounts/2fa/totp/activate/")  # reachable (after confirming the password)
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")
    with_totp(boss)
    assert client.get("/admin/").status_code == 200


def test_students_are_not_required(client, student):
    client.force_login(student)
    assert client.get("/dashboard/").status_code == 200


def test_the_web_sign_in_asks_an_admin_for_the_code(client, boss):
    secret = with_totp(boss)
    response = client.post("/accounts/login/", {"login": boss.email, "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(boss.pk)


def test_the_wagtail_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_api_sign_in_asks_for_the_code(boss):
    secret = with_totp(boss)
    assert api_login(boss.email).json()["code"] == "mfa_required"
    wrong = api_login(boss.email, code="000000" if current_code(secret) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["code"] == "mfa_invalid"
    ok = api_login(boss.email, code=current_code(secret))
    assert ok.status_code == 200 and ok.json()["access"]


def test_a_recovery_code_works_once_in_the_api(student):
    with_totp(student)
    codes = RecoveryCodes.activate(student).get_unused_codes()
    assert api_login(student.email, password="pw-for-tests-1", code=codes[0]).status_code == 200
    assert api_login(student.email, password="pw-for-tests-1", code=codes[0]).status_code == 401


def test_an_admin_without_a_second_factor_gets_no_api_tokens(boss):
    response = api_login(boss.email)
    assert response.status_code == 403 and response.json()["code"] == "mfa_setup_required"


def test_instructors_need_it_before_bank_details_and_payouts(client, instructor):
    client.force_login(instructor)
    assert client.get("/payments/earnings/").status_code == 200  # the dashboard is not guarded
    response = client.get("/payments/earnings/bank-details/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]
    response = client.post("/payments/earnings/payouts/request/", {"amount": "100"})
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]
    with_totp(instructor)
    assert client.get("/payments/earnings/bank-details/").status_code == 200


def test_a_change_of_second_factor_revokes_the_refresh_tokens(student):
    assert api_login(student.email, password="pw-for-tests-1").status_code == 200
    authenticator = TOTP.activate(student, generate_totp_secret()).instance
    mfa_signals.authenticator_added.send(sender=Authenticator, request=None, user=student, authenticator=authenticator)
    assert not RefreshToken.objects.filter(user=student, revoked_at__isnull=True).exists()
