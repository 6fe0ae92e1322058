"""The payments endpoints: initiate, history, coupon validation, my subscription (the
webhook endpoints are covered with each gateway's payloads in tests/payments/test_webhooks.py)."""

import pytest

from accounts.tokens import token_pair_issue
from coursepages.models import CoursePage
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.settlement import order_settle
from payments.models import Coupon, Order, Plan
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_course(instructor):
    return make_course(title="Paid", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900)


@pytest.fixture
def plan(db):
    return Plan.objects.create(name="Annual", slug="annual", interval=Plan.Interval.ANNUAL, price_cents=149000)


@pytest.fixture
def api(client, student):
    token = token_pair_issue(user=student).access

    def call(method, path, data=None):
        return getattr(client, method)(
            path, data, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )

    return call


def test_initiate_for_courses_returns_the_gateway_url(api, student, paid_course):
    Coupon.objects.create(code="WELCOME10", kind=Coupon.Kind.PERCENT, percent_off=10)
    response = api(
        "post",
        "/api/v1/payments/initiate/",
        {"course_ids": [paid_course.pk], "gateway": "sandbox", "coupon_code": "welcome10"},
    )
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["order_id"])
    assert response.json()["redirect_url"] == f"http://testserver/payments/sandbox/{order.reference}/"
    assert order.user == student and order.total_cents == 44910


def test_initiate_for_a_plan(api, plan):
    response = api("post", "/api/v1/payments/initiate/", {"plan_id": plan.pk, "gateway": "sandbox"})
    assert response.status_code == 201
    assert Order.objects.get(pk=response.json()["order_id"]).kind == Order.Kind.SUBSCRIPTION


def test_initiate_refusals(api, client, paid_course, plan):
    both = api(
        "post", "/api/v1/payments/initiate/", {"course_ids": [paid_course.pk], "plan_id": plan.pk, "gateway": "sandbox"}
    )
    assert both.status_code == 400 and both.json()["code"] == "invalid"
    off = api("post", "/api/v1/payments/initiate/", {"course_ids": [paid_course.pk], "gateway": "paystack"})
    assert off.status_code == 400 and off.json()["code"] == "gateway_unavailable"
    missing = api("post", "/api/v1/payments/initiate/", {"course_ids": [999999], "gateway": "sandbox"})
    assert missing.status_code == 404
    anonymous = client.post(
        "/api/v1/payments/initiate/",
        {"course_ids": [paid_course.pk], "gateway": "sandbox"},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    assert not Order.objects.exists()


def test_history_has_vat_breakdown_and_receipt_links(api, student, other_student, paid_course):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="t1",
        amount_cents=49900,
        currency="ZAR",
    )
    order_create_for_courses(user=other_student, course_ids=[paid_course.pk], gateway="sandbox")
    body = api("get", "/api/v1/payments/history/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["total"] == {"amount": 49900, "currency": "ZAR"}
    assert row["vat"] == {"amount": 6509, "currency": "ZAR"} and row["vat_rate"] == "0.1500"
    assert row["invoice_number"] == "INV-000001"
    assert row["receipt_url"].endswith(f"/payments/orders/{order.reference}/invoice.pdf")
    assert row["lines"][0]["title"] == "Paid"


def test_coupon_validate(api, paid_course):
    Coupon.objects.create(code="FIFTY", kind=Coupon.Kind.FIXED, amount_off_cents=5000)
    response = api("post", "/api/v1/coupons/validate/", {"code": "fifty", "course_ids": [paid_course.pk]})
    assert response.status_code == 200
    assert response.json()["discount"] == {"amount": 5000, "currency": "ZAR"}
    assert response.json()["total"]["amount"] == 44900
    unknown = api("post", "/api/v1/coupons/validate/", {"code": "nope", "course_ids": [paid_course.pk]})
    assert unknown.status_code == 400 and unknown.json()["code"] == "coupon_not_found"


def test_subscription_me(api, student, plan):
    assert api("get", "/api/v1/subscriptions/me/").json() == {
        "active": False,
        "plan": None,
        "status": None,
        "gateway": None,
        "renews_at": None,
        "ends_at": None,
    }
    from payments.commerce.checkout import order_create_for_plan

    order = order_create_for_plan(user=student, plan=plan, gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="t2",
        amount_cents=149000,
        currency="ZAR",
        subscription_reference="sbx_sub_x",
    )
    body = api("get", "/api/v1/subscriptions/me/").json()
    assert body["active"] is True and body["status"] == "active" and body["plan"]["interval"] == "annual"
    assert body["renews_at"] and body["ends_at"] is None
