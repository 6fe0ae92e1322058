"""PayPal (Orders v2) and Razorpay (Orders + hosted Checkout) end to end, with each gateway's
documented payloads (tests/payments/fixtures, see SOURCES.md) and outbound HTTP intercepted at
the transport (responses): checkout, the customer's return (PayPal capture; Razorpay's signed
callback), verified and idempotent webhooks, refunds in full and in part, the same ledger."""

import hashlib
import hmac
import json
from pathlib import Path

import pytest
import responses
from django.core.cache import cache
from django.db.models import Sum
from django.urls import reverse
from responses import matchers

from coursepages.models import CoursePage, PlatformSettings
from learners.models import Enrollment
from payments.commerce.refunds import payment_refund
from payments.gateways.paypal import cert_url_is_paypals
from payments.gateways.razorpay import payment_signature
from payments.models import LedgerEntry, Order, Payment, WebhookEvent
from tests.factories import make_course

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAYPAL = "https://api-m.sandbox.paypal.com"
RAZORPAY = "https://api.razorpay.com"


def fixture(name: str, **values) -> str:
    text = (FIXTURES / name).read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


@pytest.fixture
def keys(settings):
    site = PlatformSettings.load()
    site.gateway_paypal = site.gateway_razorpay = True
    site.save()
    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "AYSq3RDGsmBLJE-otTkBtM", "EGnHDxD_qRPdaLdZz8iCr8N7"
    settings.PAYPAL_WEBHOOK_ID = "1JE4291016473214C"
    settings.PAYPAL_API_URL = PAYPAL
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = "rzp_test_1DP5mmOlF5G5ag", "thisisasecret"
    settings.RAZORPAY_WEBHOOK_SECRET = "webhook-secret-123"
    settings.RAZORPAY_API_URL = RAZORPAY
    cache.delete("payments:paypal:access-token")


@pytest.fixture
def usd_course(instructor):
    return make_course(
        title="Go in Depth",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=4999,
        currency="USD",
    )


@pytest.fixture
def inr_course(instructor):
    return make_course(
        title="Rust Basics",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=99900,
        currency="INR",
    )


def checkout(client, user, course, gateway):
    client.force_login(user)
    return client.post(reverse("payments:checkout"), {"course": course.pk, "gateway": gateway})


# ---------------------------------------------------------------- PayPal


# the example signature of PayPal's verify-webhook-signature documentation
TRANSMISSION_SIG = (
    "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3boXB07VXCXUZy/UFzUlnGJn0wDugt7FlSvdKeIJenLRemUxY"
    "CPVoEZzg9VFNqOa48gMkvF+XTpxBeUx/kWy6B5cp7GkT2+pOowfRK7OaynuxUoKW3JcMWw272VKjLTtTAShncla7tGF+55rxyt2KNZIIqxNMJ48R"
    "DZheGU5w1npu9dZHnPgTXB9iomeVRoD8O/jhRpnKsGrDschyNdkeh81BJJMH4Ctc6lnCCquoP/GzCzz33MMsNdid7vL/NIWaCsekQpW26FpWPi/t"
    "fj8nLA=="
)
TOKEN = json.loads((FIXTURES / "paypal/oauth-token-response.json").read_text())["access_token"]


def paypal_headers(cert_url="https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"):
    return {
        "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "PAYPAL-TRANSMISSION-TIME": "2016-02-18T20:01:35Z",
        "PAYPAL-TRANSMISSION-SIG": TRANSMISSION_SIG,
        "PAYPAL-CERT-URL": cert_url,
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    }


def paypal_token(mocked):
    cache.delete("payments:paypal:access-token")
    mocked.post(f"{PAYPAL}/v1/oauth2/token", body=fixture("paypal/oauth-token-response.json"))


def paypal_verified(mocked, status="success"):
    return mocked.post(
        f"{PAYPAL}/v1/notifications/verify-webhook-signature",
        body=fixture(f"paypal/verify-webhook-signature-{status}.json"),
        match=[matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})],
    )


def test_paypal_checkout_return_capture_webhook_and_refunds(client, keys, student, admin_user, usd_course):
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        create = mocked.post(f"{PAYPAL}/v2/checkout/orders", body=fixture("paypal/order-create-response.json"))
        response = checkout(client, student, usd_course, "paypal")
        assert response.status_code == 302
        assert response["Location"] == "https://www.sandbox.paypal.com/checkoutnow?token=5O190127TN364715T"
        sent = json.loads(create.calls[0].request.body)
        order = Order.objects.get()
        unit = sent["purchase_units"][0]
        assert unit["custom_id"] == str(order.reference)
        assert unit["amount"] == {"currency_code": "USD", "value": "49.99"}
        assert sent["intent"] == "CAPTURE"
        assert sent["payment_source"]["paypal"]["experience_context"]["return_url"].endswith(
            reverse("payments:order_return", args=[order.reference])
        )
        assert order.gateway_reference == "5O190127TN364715T"
        # the customer approves and comes back: we capture the order
        capture = mocked.post(
            f"{PAYPAL}/v2/checkout/orders/5O190127TN364715T/capture",
            body=fixture("paypal/order-capture-response.json", order_reference=order.reference, amount="49.99"),
        )
        landing = client.get(
            reverse("payments:order_return", args=[order.reference]) + "?token=5O190127TN364715T&PayerID=QYR5Z8XDVJNXQ"
        )
        assert capture.calls[0].request.headers["PayPal-Request-Id"] == "capture-5O190127TN364715T"
    assert landing.status_code == 302
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert order.status == Order.Status.PAID and payment.gateway_reference == "3C679366HH908993F"
    assert payment.amount_cents == 4999 and payment.currency == "USD"
    assert Enrollment.objects.get(user=student, course=usd_course).is_open
    # the PAYMENT.CAPTURE.COMPLETED webhook arrives after: verified, recorded, changes nothing
    body = fixture("paypal/webhook-payment-capture-completed.json", order_reference=order.reference, amount="49.99")
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        verify = paypal_verified(mocked)
        reply = client.post(
            "/api/v1/payments/webhook/paypal/", data=body, content_type="application/json", headers=paypal_headers()
        )
        sent = json.loads(verify.calls[0].request.body)
    assert reply.status_code == 200
    assert sent["webhook_id"] == "1JE4291016473214C" and sent["webhook_event"] == json.loads(body)
    assert sent["transmission_id"] == "69cd13f0-d67a-11e5-baa3-778b53f4ae55" and sent["auth_algo"] == "SHA256withRSA"
    assert Payment.objects.count() == 1
    events = set(WebhookEvent.objects.filter(gateway="paypal").values_list("event_id", flat=True))
    assert events == {"capture:3C679366HH908993F", "WH-58D329510W468432D-8HN650336L201105X"}
    # a partial refund from the admin, then the rest; the ledger nets to zero
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        url = f"{PAYPAL}/v2/payments/captures/3C679366HH908993F/refund"
        refund = mocked.post(url, body=fixture("paypal/refund-response.json"))
        # each refund has its own id at PayPal (the same id twice would be one refund, applied once)
        mocked.post(url, body=fixture("paypal/refund-response.json").replace("1JU08902781691411", "2KV19013892702522"))
        payment_refund(payment=payment, user=admin_user, reason="late start", amount_cents=1000)
        assert json.loads(refund.calls[0].request.body)["amount"] == {"value": "10.00", "currency_code": "USD"}
        payment_refund(payment=payment, user=admin_user, reason="cancelled")
        assert json.loads(mocked.calls[-1].request.body)["amount"] == {"value": "39.99", "currency_code": "USD"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_cents == 4999
    assert LedgerEntry.objects.aggregate(t=Sum("amount_cents"))["t"] == 0
    assert not Enrollment.objects.get(user=student, course=usd_course).is_open


def test_paypal_webhook_alone_settles_and_refused_ones_change_nothing(client, keys, student, usd_course):
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        mocked.post(f"{PAYPAL}/v2/checkout/orders", body=fixture("paypal/order-create-response.json"))
        checkout(client, student, usd_course, "paypal")
    order = Order.objects.get()
    body = fixture("paypal/webhook-payment-capture-completed.json", order_reference=order.reference, amount="49.99")
    post = lambda headers: client.post(  # noqa: E731
        "/api/v1/payments/webhook/paypal/", data=body, content_type="application/json", headers=headers
    )
    # a certificate URL that is not PayPal's is refused before PayPal is even asked
    for url in ("https://evil.example/certs/CERT-1", "http://api.paypal.com/certs/x", "https://paypal.com.evil.io/c"):
        assert not cert_url_is_paypals(url)
        assert post(paypal_headers(cert_url=url)).status_code == 401
    assert post({}).status_code == 401  # no transmission headers
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        paypal_verified(mocked, "failure")
        assert post(paypal_headers()).status_code == 401
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    # verified: settles; delivered again: changes nothing
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        paypal_verified(mocked)
        assert post(paypal_headers()).status_code == 200
        assert post(paypal_headers()).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and Payment.objects.count() == 1
    assert WebhookEvent.objects.get(gateway="paypal").deliveries == 2
    # a refund made on PayPal's dashboard comes back as PAYMENT.CAPTURE.REFUNDED
    refund_body = fixture("paypal/webhook-payment-capture-refunded.json", amount="49.99")
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        paypal_verified(mocked)
        reply = client.post(
            "/api/v1/payments/webhook/paypal/",
            data=refund_body,
            content_type="application/json",
            headers=paypal_headers(),
        )
    assert reply.status_code == 200
    assert Payment.objects.get().status == Payment.Status.REFUNDED


def test_paypal_amount_mismatch_is_refused(client, keys, student, usd_course):
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        mocked.post(f"{PAYPAL}/v2/checkout/orders", body=fixture("paypal/order-create-response.json"))
        checkout(client, student, usd_course, "paypal")
    order = Order.objects.get()
    body = fixture("paypal/webhook-payment-capture-completed.json", order_reference=order.reference, amount="0.01")
    with responses.RequestsMock() as mocked:
        paypal_token(mocked)
        paypal_verified(mocked)
        reply = client.post(
            "/api/v1/payments/webhook/paypal/", data=body, content_type="application/json", headers=paypal_headers()
        )
    assert reply.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


# ---------------------------------------------------------------- Razorpay


def razorpay_webhook(client, body: str, *, secret="webhook-secret-123", event_id="evt_Jk8VJ6fFm4mU1d"):
    signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/payments/webhook/razorpay/",
        data=body,
        content_type="application/json",
        headers={"X-Razorpay-Signature": signature, "X-Razorpay-Event-Id": event_id},
    )


def test_razorpay_checkout_signed_callback_and_refunds(client, keys, student, admin_user, inr_course):
    with responses.RequestsMock() as mocked:
        create = mocked.post(
            f"{RAZORPAY}/v1/orders",
            body=fixture("razorpay/order-create-response.json", amount=99900, order_reference="x"),
            match=[
                matchers.header_matcher({"Authorization": "Basic cnpwX3Rlc3RfMURQNW1tT2xGNUc1YWc6dGhpc2lzYXNlY3JldA=="})
            ],
        )
        response = checkout(client, student, inr_course, "razorpay")
        order = Order.objects.get()
        assert response["Location"].endswith(reverse("payments:order_pay", args=[order.reference]))
        page = client.get(response["Location"]).content.decode()
    sent = json.loads(create.calls[0].request.body)
    assert sent == {
        "amount": 99900,
        "currency": "INR",
        "receipt": str(order.reference),
        "notes": {"order_reference": str(order.reference)},
    }
    assert 'action="https://api.razorpay.com/v1/checkout/embedded"' in page
    assert (
        'name="order_id" value="order_IluGWxBm9U8zJ8"' in page
        and 'name="key_id" value="rzp_test_1DP5mmOlF5G5ag"' in page
    )
    callback = reverse("payments:razorpay_callback", args=[order.reference])
    assert f'name="callback_url" value="http://testserver{callback}"' in page
    order.refresh_from_db()
    assert order.gateway_reference == "order_IluGWxBm9U8zJ8"
    client.logout()  # Razorpay posts the customer back cross-site: no session cookie needed, no CSRF token
    # a forged signature is refused
    forged = client.post(
        callback,
        {
            "razorpay_payment_id": "pay_29QQoUBi66xm2f",
            "razorpay_order_id": "order_IluGWxBm9U8zJ8",
            "razorpay_signature": "0" * 64,
        },
    )
    assert forged.status_code == 400
    signature = payment_signature(
        order_id="order_IluGWxBm9U8zJ8", payment_id="pay_29QQoUBi66xm2f", secret="thisisasecret"
    )
    with responses.RequestsMock() as mocked:
        mocked.get(
            f"{RAZORPAY}/v1/payments/pay_29QQoUBi66xm2f",
            body=fixture("razorpay/payment-fetch-response.json", amount=99900, order_reference=order.reference),
        )
        done = client.post(
            callback,
            {
                "razorpay_payment_id": "pay_29QQoUBi66xm2f",
                "razorpay_order_id": "order_IluGWxBm9U8zJ8",
                "razorpay_signature": signature,
            },
        )
    assert done["Location"] == reverse("payments:order_return", args=[order.reference])
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = Payment.objects.get()
    assert (payment.gateway_reference, payment.amount_cents, payment.currency) == ("pay_29QQoUBi66xm2f", 99900, "INR")
    # the order.paid webhook after it changes nothing; a bad signature is refused
    body = fixture("razorpay/webhook-order-paid.json", amount=99900, order_reference=order.reference)
    assert razorpay_webhook(client, body, secret="wrong").status_code == 401
    assert razorpay_webhook(client, body).status_code == 200
    assert Payment.objects.count() == 1
    # a partial refund, then the rest
    with responses.RequestsMock() as mocked:
        url = f"{RAZORPAY}/v1/payments/pay_29QQoUBi66xm2f/refund"
        refund = mocked.post(url, body=fixture("razorpay/refund-response.json", amount=20000))
        mocked.post(
            url, body=fixture("razorpay/refund-response.json", amount=79900).replace("FP8QHiV938haTz", "FP8QHiV938haUa")
        )
        payment_refund(payment=payment, user=admin_user, reason="late start", amount_cents=20000)
        assert json.loads(refund.calls[0].request.body) == {"amount": 20000, "notes": {"reason": "late start"}}
        payment_refund(payment=payment, user=admin_user, reason="cancelled")
        assert json.loads(mocked.calls[-1].request.body)["amount"] == 79900
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert LedgerEntry.objects.aggregate(t=Sum("amount_cents"))["t"] == 0


def test_razorpay_webhook_alone_settles_once_and_dashboard_refund_applies(client, keys, student, inr_course):
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"{RAZORPAY}/v1/orders",
            body=fixture("razorpay/order-create-response.json", amount=99900, order_reference="x"),
        )
        checkout(client, student, inr_course, "razorpay")
        client.get(reverse("payments:order_pay", args=[Order.objects.get().reference]))
    order = Order.objects.get()
    body = fixture("razorpay/webhook-order-paid.json", amount=99900, order_reference=order.reference)
    assert razorpay_webhook(client, body).status_code == 200
    assert razorpay_webhook(client, body).status_code == 200  # Razorpay re-sends with the same event id
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and Payment.objects.count() == 1
    assert WebhookEvent.objects.get(gateway="razorpay").deliveries == 2
    refund = fixture("razorpay/webhook-refund-processed.json", amount=99900)
    assert razorpay_webhook(client, refund, event_id="evt_Jk8VXXrwCpQRSw").status_code == 200
    assert Payment.objects.get().status == Payment.Status.REFUNDED
    assert not Enrollment.objects.get(user=student, course=inr_course).is_open


def test_new_gateways_are_off_until_switched_on_and_configured(client, settings, student, inr_course):
    client.force_login(student)
    page = client.get(reverse("payments:checkout") + f"?course={inr_course.pk}").content.decode()
    assert "Razorpay" not in page and "PayPal" not in page
    site = PlatformSettings.load()
    site.gateway_razorpay = True
    site.save()
    assert "Razorpay" not in client.get(reverse("payments:checkout") + f"?course={inr_course.pk}").content.decode()
    settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET, settings.RAZORPAY_WEBHOOK_SECRET = "k", "s", "w"
    assert "Razorpay" in client.get(reverse("payments:checkout") + f"?course={inr_course.pk}").content.decode()


def test_razorpay_dashboard_partial_refund_applies_once_and_own_refunds_are_not_doubled(
    client, keys, student, admin_user, inr_course
):
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"{RAZORPAY}/v1/orders",
            body=fixture("razorpay/order-create-response.json", amount=99900, order_reference="x"),
        )
        checkout(client, student, inr_course, "razorpay")
        client.get(reverse("payments:order_pay", args=[Order.objects.get().reference]))
    order = Order.objects.get()
    razorpay_webhook(client, fixture("razorpay/webhook-order-paid.json", amount=99900, order_reference=order.reference))
    payment = Payment.objects.get()
    # R 100.00 refunded on Razorpay's dashboard: applied as a partial refund, access kept
    partial = fixture("razorpay/webhook-refund-processed.json", amount=10000)
    assert razorpay_webhook(client, partial, event_id="evt_partial_1").status_code == 200
    assert razorpay_webhook(client, partial, event_id="evt_partial_1").status_code == 200  # re-sent
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED and payment.refunded_cents == 10000
    assert Enrollment.objects.get(user=student, course=inr_course).is_open
    # a refund started here: its webhook (same refund id) changes nothing more
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"{RAZORPAY}/v1/payments/pay_29QQoUBi66xm2f/refund",
            body=fixture("razorpay/refund-response.json", amount=5000).replace("FP8QHiV938haTz", "GQ9RIjW049ibUa"),
        )
        payment_refund(payment=payment, user=admin_user, reason="goodwill", amount_cents=5000)
    ours = fixture("razorpay/webhook-refund-processed.json", amount=5000).replace("FP8QHiV938haTz", "GQ9RIjW049ibUa")
    assert razorpay_webhook(client, ours, event_id="evt_ours").status_code == 200
    payment.refresh_from_db()
    assert payment.refunded_cents == 15000 and payment.refunds.count() == 2
