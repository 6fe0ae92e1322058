"""Calls we make to the gateways, intercepted at the transport with `responses`: what we
send, what we do with the answer, and clear errors on timeouts and refusals."""

import json
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from django.urls import reverse

from payments.commerce.checkout import checkout_start, order_create_for_courses, order_create_for_plan
from payments.errors import PaymentError
from payments.gateways.payfast import itn_fields
from payments.models import Order
from tests.payments.conftest import fixture_json

pytestmark = pytest.mark.django_db


def absolute(path):
    return f"https://lectern.test{path}"


@responses.activate
def test_paystack_initialize_redirects_to_the_authorization_url(student, paid_course, gateways_on):
    responses.post(
        "https://api.paystack.co/transaction/initialize",
        json={
            "status": True,
            "message": "Authorization URL created",
            "data": {
                "authorization_url": "https://checkout.paystack.com/0peioxfhpn",
                "access_code": "0peioxfhpn",
                "reference": "ref-from-paystack",
            },
        },
    )
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    assert checkout_start(order=order, absolute_url=absolute) == "https://checkout.paystack.com/0peioxfhpn"
    sent = json.loads(responses.calls[0].request.body)
    assert responses.calls[0].request.headers["Authorization"] == "Bearer sk_test_fixture_secret_not_a_real_key"
    assert sent["amount"] == 49900 and sent["currency"] == "ZAR" and sent["reference"] == str(order.reference)
    assert sent["callback_url"] == absolute(reverse("payments:order_return", args=[order.reference]))
    order.refresh_from_db()
    assert order.gateway_reference == "ref-from-paystack"


@responses.activate
def test_paystack_timeout_fails_the_order_with_a_clear_error(student, paid_course, gateways_on):
    responses.post("https://api.paystack.co/transaction/initialize", body=requests.Timeout("slow"))
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    with pytest.raises(PaymentError) as refused:
        checkout_start(order=order, absolute_url=absolute)
    assert refused.value.code == "gateway_error" and "did not answer in time" in str(refused.value)
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED


@responses.activate
def test_paystack_return_verifies_the_transaction(client, student, paid_course, gateways_on):
    """The customer comes back before the webhook: we ask PayStack (its documented response)."""
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    verified = fixture_json("paystack/transaction-verify-response.json")["200"]["data"]
    verified["data"].update(reference=str(order.reference), amount=49900, currency="ZAR")
    responses.get(f"https://api.paystack.co/transaction/verify/{order.reference}", json=verified)
    client.force_login(student)
    response = client.get(reverse("payments:order_return", args=[order.reference]), {"reference": order.reference})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert response.status_code == 302  # straight into lesson one


@responses.activate
def test_paystack_refusal_message_is_passed_on(student, paid_course, gateways_on):
    responses.post(
        "https://api.paystack.co/transaction/initialize",
        status=401,
        json=fixture_json("paystack/transaction-verify-response.json")["400"]["data"],
    )
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    with pytest.raises(PaymentError, match="Invalid key"):
        checkout_start(order=order, absolute_url=absolute)


@responses.activate
def test_stripe_checkout_session_is_form_encoded(student, paid_course, monthly_plan, gateways_on):
    responses.post(
        "https://api.stripe.com/v1/checkout/sessions",
        json={"id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1"},
    )
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="stripe")
    assert checkout_start(order=order, absolute_url=absolute) == "https://checkout.stripe.com/c/pay/cs_test_1"
    sent = dict(parse_qsl(responses.calls[0].request.body))
    assert sent["mode"] == "payment" and sent["client_reference_id"] == str(order.reference)
    assert sent["line_items[0][price_data][unit_amount]"] == "49900"
    assert sent["line_items[0][price_data][currency]"] == "zar"
    plan_order = order_create_for_plan(user=student, plan=monthly_plan, gateway="stripe")
    checkout_start(order=plan_order, absolute_url=absolute)
    sent = dict(parse_qsl(responses.calls[1].request.body))
    assert sent["mode"] == "subscription" and sent["line_items[0][price_data][recurring][interval]"] == "month"


def test_payfast_form_is_signed_in_documented_order(client, student, monthly_plan, gateways_on):
    order = order_create_for_plan(user=student, plan=monthly_plan, gateway="payfast")
    url = checkout_start(order=order, absolute_url=absolute)
    assert url == absolute(reverse("payments:order_pay", args=[order.reference]))
    page = client.get(reverse("payments:order_pay", args=[order.reference]))  # no session needed (app flow)
    start = page.context["start"]
    assert start.form_action == "https://sandbox.payfast.co.za/eng/process"
    fields = dict(start.form_fields)
    assert [k for k, _ in start.form_fields][:3] == ["merchant_id", "merchant_key", "return_url"]
    assert fields["subscription_type"] == "1" and fields["frequency"] == "3" and fields["amount"] == "149.00"
    import hashlib

    from payments.gateways.payfast import param_string

    unsigned = [(k, v) for k, v in start.form_fields if k != "signature"]
    expected = hashlib.md5(param_string(unsigned, passphrase="jt7NOE43FZPn", skip_empty=True).encode()).hexdigest()
    assert fields["signature"] == expected
    assert itn_fields(b"a=1&b=") == [("a", "1"), ("b", "")]
