"""One domain error: every service refuses with a core.errors.DomainError, and the API answers
each one from one code → status table (api.errors.STATUS_BY_CODE) in one exception handler.

Refusals through the routers that used to convert errors themselves are checked end to end
here (live, messaging, payments, accounts) and elsewhere:
- live: tests/live/test_api_and_pages.py (409 `slot_taken` with its whole body, `not_teacher`,
  409 `not_available`, 400 `invalid_length`);
- messaging: tests/messaging/test_conversations.py (400 `empty_message`, `invalid_teacher`);
- payments: tests/api/test_payments_api.py (400 `gateway_unavailable`, 404, `coupon_not_found`);
- earnings: tests/payments/test_payouts_api.py (400 `over_available`, 403 `not_allowed`,
  409 `already_decided`);
- accounts and admin: tests/api/test_auth_api.py (401 `token_reused`, `token_invalid`),
  tests/api/test_admin_api.py (400 `cannot_demote_self`, `cannot_deactivate_self`);
- interactive: tests/learners/test_ai_tools.py (401 `token_used`, `token_expired`,
  `invalid_token`; 409; 403 without report_score);
- assessments: tests/api/test_assessments_api.py (a grade's 400 with `errors`)."""

import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.services import AccountChangeRefused
from accounts.tokens import TokenError, token_pair_issue
from api.v1 import api
from certificates.services import CertificateError
from core.backup import BackupError
from core.errors import DEFAULT_STATUS, STATUS_BY_CODE, DomainError, UpstreamError, status_for
from coursepages.models import CoursePage
from coursepages.services import CategoryError
from learners.assessments.assignments import SubmissionGradeError
from learners.enrollment.services import LearningError, enrollment_create
from learners.interactive.ai_tools import ToolTokenError
from live.meetings import MeetingError
from live.services import LiveError, MeetingUnavailable
from messaging.services import MessagingError
from payments.commerce.settlement import Refused
from payments.earnings.payouts import PayoutError
from payments.errors import PaymentError
from payments.gateways import GatewayError, WebhookRefused
from tests.factories import make_course, make_user

SERVICE_ERRORS = [
    LearningError,
    ToolTokenError,
    SubmissionGradeError,
    MessagingError,
    LiveError,
    MeetingError,
    MeetingUnavailable,
    PaymentError,
    PayoutError,
    Refused,
    GatewayError,
    WebhookRefused,
    CertificateError,
    CategoryError,
    AccountChangeRefused,
    TokenError,
    BackupError,
]


@pytest.mark.parametrize("error_class", SERVICE_ERRORS, ids=lambda cls: cls.__name__)
def test_every_service_error_is_a_domain_error_with_a_default_code_and_no_status(error_class):
    assert issubclass(error_class, DomainError)
    error = error_class("Not now.")
    assert (str(error), error.message) == ("Not now.", "Not now.")
    assert error.code and error.code == error_class.default_code
    assert error_class("Not now.", "slot_taken").code == "slot_taken"
    assert not hasattr(error, "status")  # a service never knows HTTP


def _answer(error: DomainError):
    response = api.on_exception(RequestFactory().get("/api/v1/"), error)
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(("code", "status"), sorted(STATUS_BY_CODE.items()))
def test_the_handler_answers_every_code_in_the_table_with_its_status(code, status):
    assert _answer(DomainError("You may not do this.", code)) == (
        status,
        {"detail": "You may not do this.", "code": code},
    )


def test_the_table_holds_the_statuses_the_api_has_always_given():
    expected = {
        "not_enrolled": 403,
        "not_paid": 402,
        "prerequisite_missing": 403,
        "not_yet_available": 403,
        "subscription_inactive": 403,
        "forbidden": 403,
        "not_allowed": 403,
        "permission_denied": 403,
        "not_found": 404,
        "already_submitted": 409,
        "already_enrolled": 409,
        "conflict": 409,
        "rate_limited": 429,
        "token_invalid": 401,
        "gateway_error": 502,
        "meeting_unavailable": 502,
    }
    assert {code: STATUS_BY_CODE[code] for code in expected} == expected


def test_an_unknown_code_is_a_400_whatever_the_app():
    assert DEFAULT_STATUS == 400
    assert _answer(DomainError("Nope.", "no_such_code")) == (400, {"detail": "Nope.", "code": "no_such_code"})
    assert _answer(PaymentError("That coupon has expired.", "coupon_expired")) == (
        400,
        {"detail": "That coupon has expired.", "code": "coupon_expired"},
    )
    assert _answer(LiveError("Bad.")) == (400, {"detail": "Bad.", "code": "invalid"})


def test_a_subclass_is_answered_by_its_code_and_an_upstream_failure_by_502():
    assert _answer(LiveError("Taken.", "slot_taken"))[0] == 409
    assert _answer(MessagingError("Not yours.", "not_participant"))[0] == 403
    assert _answer(ToolTokenError("Used.", "token_used"))[0] == 401
    # a meeting server's own reason, which no table can list
    refused = MeetingUnavailable("BigBlueButton refused the create call.", "checksumError")
    assert isinstance(refused, LiveError) and isinstance(refused, UpstreamError)
    assert _answer(refused) == (502, {"detail": "BigBlueButton refused the create call.", "code": "checksumError"})
    assert status_for(GatewayError("PayStack did not answer in time.")) == 502


def test_a_refusal_with_field_errors_keeps_them():
    error = SubmissionGradeError(errors={"score": "Between 0 and 10."})
    assert _answer(error) == (
        400,
        {"detail": "Some scores are not valid.", "code": "invalid", "errors": {"score": ["Between 0 and 10."]}},
    )


# --- end to end through the routers that used to catch and convert -----------------------------------


@pytest.fixture
def bearer(db):
    def headers(user):
        return {"Authorization": f"Bearer {token_pair_issue(user=user).access}"}

    return headers


@pytest.mark.django_db
def test_live_request_refused_for_a_student_not_enrolled(client, bearer, instructor):
    course = make_course(title="Spanish", instructor=instructor, lessons=1)
    stranger = make_user()
    response = client.post(
        "/api/v1/live/sessions/",
        {
            "course_id": course.pk,
            "teacher_id": instructor.pk,
            "minutes": 60,
            "starts_at": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        content_type="application/json",
        headers=bearer(stranger),
    )
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Book a class with a teacher of a course you are enrolled in.", "code": "not_enrolled"},
    )


@pytest.mark.django_db
def test_messaging_start_refused_for_a_student_not_enrolled(client, bearer, instructor):
    course = make_course(title="Statistics", instructor=instructor, lessons=1)
    response = client.post(
        "/api/v1/conversations/",
        {"course_id": course.pk, "teacher_id": instructor.pk, "body": "hi"},
        content_type="application/json",
        headers=bearer(make_user()),
    )
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You can message the teachers of courses you are enrolled in.", "code": "not_enrolled"},
    )


@pytest.mark.django_db
def test_payments_initiate_refusals_keep_their_status_and_body(client, bearer, student, instructor):
    course = make_course(title="Paid", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900)
    enrollment_create(user=student, course=course)

    def initiate(course_ids):
        return client.post(
            "/api/v1/payments/initiate/",
            {"course_ids": course_ids, "gateway": "sandbox"},
            content_type="application/json",
            headers=bearer(student),
        )

    owned = initiate([course.pk])
    assert (owned.status_code, owned.json()) == (
        409,
        {"detail": "You already have “Paid”.", "code": "already_enrolled"},
    )
    missing = initiate([999999])
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No published course with id 999999.", "code": "not_found"},
    )


@pytest.mark.django_db
def test_token_refusals_are_401_but_an_unreadable_token_at_logout_is_bad_input(client, bearer, student):
    refresh = client.post("/api/v1/auth/refresh/", {"refresh": "not-a-token"}, content_type="application/json")
    assert (refresh.status_code, refresh.json()) == (
        401,
        {"detail": "The token is not valid.", "code": "token_invalid"},
    )
    logout = client.post(
        "/api/v1/auth/logout/", {"refresh": "not-a-token"}, content_type="application/json", headers=bearer(student)
    )
    assert (logout.status_code, logout.json()) == (
        400,
        {"detail": "The token is not valid.", "code": "invalid_refresh_token"},
    )
