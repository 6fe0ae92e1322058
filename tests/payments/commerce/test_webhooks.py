"""The webhook endpoints with each gateway's real payload shapes and signature schemes:
signature first, raw event stored once, applied once; wrong money refused; unknown events
acknowledged. Outbound calls (PayFast validate) are intercepted at the transport."""

import hashlib
import hmac
import json
import time
from urllib.parse import quote_plus

import pytest
import responses

from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_courses, order_create_for_plan
from payments.gateways.sandbox import build_event
from payments.models import Order, Payment, Subscription, WebhookEvent
from tests.payments.conftest import fixture_bytes, fixture_json

pytestmark = pytest.mark.django_db

PAYSTACK_SECRET = "sk_test_fixture_secret_not_a_real_key"


def post(client, gateway, body, content_type="application/json", **headers):
    return client.post(f"/api/v1/payments/webhook/{gateway}/", data=body, content_type=content_type, headers=headers)


def paystack_body(order, *, amount=None, currency=None) -> bytes:
    """Paystack's charge.success fixture, pointed at our order."""
    event = fixture_json("paystack/charge.success.json")
    event["data"].update(
        reference=str(order.reference),
        amount=order.total_cents if amount is None else amount,
        currency=currency or order.currency,
    )
    return json.dumps(event).encode()


def paystack_sign(body: bytes) -> str:
    return hmac.new(PAYSTACK_SECRET.encode(), body, hashlib.sha512).hexdigest()


class TestSandbox:
    def test_pay_then_duplicate_then_replay(
        self, client, student, paid_course, earnings_hooks, django_capture_on_commit_callbacks
    ):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
        body, headers = build_event(
            event_type="payment.succeeded", order_reference=str(order.reference), amount_cents=49900, currency="ZAR"
        )
        with django_capture_on_commit_callbacks(execute=True):
            first = post(client, "sandbox", body, **headers)
        second = post(client, "sandbox", body, **headers)
        assert first.status_code == 200 and second.status_code == 200
        assert second.json()["detail"] == "Already received."
        event = WebhookEvent.objects.get()
        assert (event.status, event.deliveries, event.order) == (WebhookEvent.Status.APPLIED, 2, order)
        assert Payment.objects.count() == 1 and Enrollment.objects.count() == 1
        assert len(earnings_hooks.SETTLED) == 1
        # a replay of the same payment under a new event id changes nothing either
        replay, replay_headers = build_event(
            event_type="payment.succeeded", order_reference=str(order.reference), amount_cents=49900, currency="ZAR"
        )
        assert post(client, "sandbox", replay, **replay_headers).status_code == 200
        assert Payment.objects.count() == 1 and len(earnings_hooks.SETTLED) == 1
        order.refresh_from_db()
        assert order.invoice_number == 1

    def test_bad_signature_is_refused_and_not_stored(self, client, student, paid_course):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
        body, _ = build_event(event_type="payment.succeeded", order_reference=str(order.reference), amount_cents=49900)
        response = post(client, "sandbox", body, **{"X-Sandbox-Signature": "0" * 64})
        assert response.status_code == 401
        assert not WebhookEvent.objects.exists()
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING

    @pytest.mark.parametrize(("amount", "currency"), [(100, "ZAR"), (49900, "USD")])
    def test_wrong_amount_or_currency_is_refused_and_logged(
        self, client, student, paid_course, amount, currency, caplog
    ):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
        body, headers = build_event(
            event_type="payment.succeeded", order_reference=str(order.reference), amount_cents=amount, currency=currency
        )
        response = post(client, "sandbox", body, **headers)
        assert response.status_code == 400
        event = WebhookEvent.objects.get()
        assert event.status == WebhookEvent.Status.REFUSED and "does not match" in event.message
        assert "does not match" in caplog.text
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING
        assert not Payment.objects.exists() and not Enrollment.objects.exists()

    def test_unknown_event_type_is_acknowledged_and_ignored(self, client):
        body, headers = build_event(event_type="customer.updated")
        response = post(client, "sandbox", body, **headers)
        assert response.status_code == 200
        assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED


class TestPaystack:
    def test_the_fixture_with_its_signature_is_accepted_and_stored(self, client, gateways_on):
        """The exact documented bytes and the computed vector pass the signature check; the
        event names no order of ours, so it is stored and refused."""
        vector = fixture_json("paystack/signature-vector_computed.json")
        response = post(
            client,
            "paystack",
            fixture_bytes("paystack/charge.success.json"),
            **{"x-paystack-signature": vector["expected_x_paystack_signature"]},
        )
        event = WebhookEvent.objects.get()
        assert (event.gateway, event.event_id, event.event_type) == ("paystack", "302961", "charge.success")
        assert response.status_code == 400 and event.status == WebhookEvent.Status.REFUSED

    def test_charge_success_pays_the_order(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        response = post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)})
        assert response.status_code == 200, response.json()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        assert order.payment.gateway_reference == str(order.reference)
        assert Enrollment.objects.filter(user=student, course=paid_course).exists()

    def test_wrong_currency_from_the_fixture_is_refused(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order, currency="NGN")
        assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 400
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING

    def test_signature_over_reserialised_json_is_refused(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        signature = paystack_sign(json.dumps(json.loads(body), separators=(",", ":")).encode())
        assert post(client, "paystack", body, **{"x-paystack-signature": signature}).status_code == 401

    def test_subscription_lifecycle_events(self, client, student, monthly_plan, gateways_on):
        student.email = "bojack@horsinaround.com"
        student.save()
        order = order_create_for_plan(user=student, plan=monthly_plan, gateway="paystack")
        body = paystack_body(order)
        assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 200
        subscription = Subscription.objects.get(user=student)
        assert subscription.status == Subscription.Status.ACTIVE
        first_end = subscription.current_period_end
        # subscription.create names the code (fixture: plan PLN_gx2wn530m0i3w3m, same customer email)
        created = fixture_bytes("paystack/events/subscription-created.json")
        assert post(client, "paystack", created, **{"x-paystack-signature": paystack_sign(created)}).status_code == 200
        subscription.refresh_from_db()
        assert subscription.gateway_subscription_id == "SUB_vsyqdmlzble3uii"
        # a renewal charge arrives under PayStack's own reference, with the plan
        renewal = fixture_json("paystack/events/charge-success-subscription-invoice.json")
        renewal["data"].update(
            amount=14900,
            currency="ZAR",
            customer={"email": student.email},
            plan={**renewal["data"]["plan"], "plan_code": "PLN_gx2wn530m0i3w3m"},
        )
        renewal = json.dumps(renewal).encode()
        response = post(client, "paystack", renewal, **{"x-paystack-signature": paystack_sign(renewal)})
        assert response.status_code == 200, response.json()
        subscription.refresh_from_db()
        assert subscription.current_period_end > first_end
        assert Order.objects.filter(kind=Order.Kind.RENEWAL, status=Order.Status.PAID, invoice_number=2).exists()
        # subscription.disable: cancelled, access runs to the period end
        disabled = fixture_bytes("paystack/events/subscription-disabled.json")
        response = post(client, "paystack", disabled, **{"x-paystack-signature": paystack_sign(disabled)})
        assert response.status_code == 200
        subscription.refresh_from_db()
        assert subscription.status == Subscription.Status.CANCELLED


def php_urlencode(value: str) -> str:
    return quote_plus(value, safe="").replace("~", "%7E")


def payfast_itn(fields: list[tuple[str, str]], passphrase: str) -> bytes:
    """An ITN body the way PayFast sends it: fields in order, then the md5 signature."""
    signed = "&".join(f"{k}={php_urlencode(v)}" for k, v in fields)
    signature = hashlib.md5(f"{signed}&passphrase={php_urlencode(passphrase)}".encode()).hexdigest()
    return f"{signed}&signature={signature}".encode()


def sdk_fields(order_reference: str, amount: str, pf_payment_id: str = "1221576") -> list[tuple[str, str]]:
    """The SDK test's field list, for our order."""
    fields = list(fixture_json("payfast/itn-complete_sdk-test_sandbox-passphrase.json").items())
    replace = {"m_payment_id": order_reference, "amount_gross": amount, "pf_payment_id": pf_payment_id}
    return [(k, replace.get(k, v)) for k, v in fields if k != "signature"]


class TestPayfast:
    VALIDATE = "https://sandbox.payfast.co.za/eng/query/validate"

    @responses.activate
    def test_itn_pays_after_server_validation(self, client, student, paid_course, gateways_on):
        responses.post(self.VALIDATE, body="VALID")
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(order.reference), "499.00"), "jt7NOE43FZPn")
        response = post(client, "payfast", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.json()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID and order.payment.gateway_reference == "1221576"
        # the validation post carried what we received, without the signature
        sent = responses.calls[0].request.body
        assert "pf_payment_id=1221576" in sent and "signature=" not in sent and "passphrase" not in sent
        assert WebhookEvent.objects.get().event_id == "1221576"

    @responses.activate
    def test_itn_refused_when_payfast_says_invalid(self, client, student, paid_course, gateways_on):
        responses.post(self.VALIDATE, body="INVALID")
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(order.reference), "499.00"), "jt7NOE43FZPn")
        assert post(client, "payfast", body, content_type="application/x-www-form-urlencoded").status_code == 400
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING

    @responses.activate
    def test_itn_with_wrong_amount_is_refused(self, client, student, paid_course, gateways_on):
        responses.post(self.VALIDATE, body="VALID")
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(order.reference), "10.00"), "jt7NOE43FZPn")
        assert post(client, "payfast", body, content_type="application/x-www-form-urlencoded").status_code == 400
        assert WebhookEvent.objects.get().status == WebhookEvent.Status.REFUSED

    def test_itn_from_a_foreign_address_is_refused(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(order.reference), "499.00"), "jt7NOE43FZPn")
        response = client.post(
            "/api/v1/payments/webhook/payfast/",
            data=body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 403
        assert not WebhookEvent.objects.exists()

    @responses.activate
    def test_payfast_source_check_reads_the_address_the_balancer_saw(
        self, client, settings, student, paid_course, gateways_on
    ):
        """A forged first hop naming a PayFast address is not believed; the real one is."""
        responses.post("https://sandbox.payfast.co.za/eng/query/validate", body="VALID")
        settings.TRUSTED_PROXY_HOPS = 1
        settings.PAYFAST_ALLOWED_NETWORKS = ["197.97.145.144/28"]
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(order.reference), "499.00"), "jt7NOE43FZPn")
        forged = client.post(
            "/api/v1/payments/webhook/payfast/",
            data=body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="197.97.145.145, 127.0.0.1",
        )
        assert forged.status_code == 403
        assert not WebhookEvent.objects.exists()
        real = client.post(
            "/api/v1/payments/webhook/payfast/",
            data=body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="197.97.145.145",
        )
        assert real.status_code == 200, real.json()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID

    @responses.activate
    @pytest.mark.parametrize("tail", ["&m_payment_id={other}", "&m_payment_id={other}&signature={sig}", ""])
    def test_a_captured_itn_cannot_pay_another_order_through_unsigned_fields(
        self, client, student, paid_course, second_course, gateways_on, tail
    ):
        """Fields after the signature are not signed: an ITN carrying any (or a second
        signature, or a repeated field) is refused, never read with the last one winning."""
        responses.post(self.VALIDATE, body="VALID")
        paid = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="payfast")
        other = order_create_for_courses(user=student, course_ids=[second_course.pk], gateway="payfast")
        body = payfast_itn(sdk_fields(str(paid.reference), "499.00"), "jt7NOE43FZPn")
        if tail:
            body += tail.format(other=other.reference, sig=body.decode().rsplit("=", 1)[1]).encode()
        else:  # a repeated field before the signature, signed by the attacker's own passphrase guess
            fields = sdk_fields(str(paid.reference), "499.00")
            body = payfast_itn([*fields, ("m_payment_id", str(other.reference))], "jt7NOE43FZPn")
        response = post(client, "payfast", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 401
        assert not WebhookEvent.objects.exists()
        other.refresh_from_db()
        paid.refresh_from_db()
        assert other.status == paid.status == Order.Status.PENDING

    @responses.activate
    def test_subscription_itn_then_a_recurring_payment(self, client, student, monthly_plan, gateways_on, settings):
        """The captured sandbox subscription ITN (token, billing_date, empty fields all signed)."""
        responses.post(self.VALIDATE, body="VALID")
        expected = fixture_json("payfast/itn-subscription_sandbox-captured.expected.json")
        settings.PAYFAST_PASSPHRASE = expected["passphrase"]
        settings.PAYFAST_MERCHANT_ID = "10039481"
        monthly_plan.price_cents = 9900
        monthly_plan.save()
        order = order_create_for_plan(user=student, plan=monthly_plan, gateway="payfast")
        Order.objects.filter(pk=order.pk).update(reference="c9f3dea7-cb8e-4f3a-9200-f6ed2fc0d7a0")
        raw = fixture_bytes("payfast/itn-subscription_sandbox-captured_body-without-signature.txt")
        body = raw + b"&signature=" + expected["expected_signature"].encode()
        response = post(client, "payfast", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.json()
        subscription = Subscription.objects.get(user=student)
        assert subscription.status == Subscription.Status.ACTIVE
        assert subscription.gateway_subscription_id == "efff70cc-f23c-42c6-be63-80a3a4b9a12c"
        first_end = subscription.current_period_end
        # next month PayFast sends the same m_payment_id and token with a new pf_payment_id
        from payments.gateways.payfast import itn_fields

        fields = [(k, "2600001" if k == "pf_payment_id" else v) for k, v in itn_fields(raw)]
        renewal = payfast_itn(fields, expected["passphrase"])
        assert post(client, "payfast", renewal, content_type="application/x-www-form-urlencoded").status_code == 200
        subscription.refresh_from_db()
        assert subscription.current_period_end > first_end
        assert Payment.objects.filter(gateway="payfast").count() == 2


def stripe_header(body: bytes, secret: str = "whsec_test_secret", timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


class TestStripe:
    def test_checkout_session_completed_pays_the_order(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="stripe")
        event = fixture_json("stripe/checkout.session.completed.json")
        event["data"]["object"].update(client_reference_id=str(order.reference), amount_total=49900, currency="zar")
        body = json.dumps(event).encode()
        response = post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)})
        assert response.status_code == 200, response.json()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        assert order.payment.gateway_reference == "pi_000000000000000000000000"

    def test_stale_timestamp_is_refused(self, client, student, paid_course, gateways_on):
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="stripe")
        event = fixture_json("stripe/checkout.session.completed.json")
        event["data"]["object"].update(client_reference_id=str(order.reference), amount_total=49900, currency="zar")
        body = json.dumps(event).encode()
        header = stripe_header(body, timestamp=int(time.time()) - 301)
        assert post(client, "stripe", body, **{"Stripe-Signature": header}).status_code == 400
        assert not WebhookEvent.objects.exists()

    def test_dotnet_vector_through_the_endpoint_with_tolerance_off(self, client, gateways_on, settings):
        vector = fixture_json("stripe/signature-vector_stripe-dotnet.json")
        settings.STRIPE_WEBHOOK_SECRET = vector["secret"]
        settings.STRIPE_WEBHOOK_TOLERANCE = 0
        body = fixture_bytes("stripe/signature-vector_stripe-dotnet_event_test_signature.json")
        response = post(client, "stripe", body, **{"Stripe-Signature": vector["stripe_signature_header"]})
        assert response.status_code == 200  # customer.created: not ours, acknowledged
        assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED

    def test_renewal_failure_and_refund_events(self, client, student, paid_course, monthly_plan, gateways_on):
        order = order_create_for_plan(user=student, plan=monthly_plan, gateway="stripe")
        completed = fixture_json("stripe/checkout.session.completed.json")
        completed["id"] = "evt_sub_first"
        completed["data"]["object"].update(
            client_reference_id=str(order.reference),
            amount_total=14900,
            currency="zar",
            mode="subscription",
            subscription="sub_123",
        )
        body = json.dumps(completed).encode()
        assert post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)}).status_code == 200
        subscription = Subscription.objects.get(user=student)
        assert subscription.gateway_subscription_id == "sub_123"
        invoice = fixture_json("stripe/invoice.paid.json")
        period_end = int(time.time()) + 40 * 86400
        invoice["data"]["object"].update(
            subscription="sub_123",
            billing_reason="subscription_cycle",
            amount_paid=14900,
            currency="zar",
            payment_intent="pi_renewal",
        )
        invoice["data"]["object"]["lines"]["data"][0]["period"]["end"] = period_end
        body = json.dumps(invoice).encode()
        assert post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)}).status_code == 200
        subscription.refresh_from_db()
        assert int(subscription.current_period_end.timestamp()) == period_end
        failed = {
            "id": "evt_failed",
            "type": "invoice.payment_failed",
            "data": {"object": {"id": "in_2", "subscription": "sub_123", "currency": "zar"}},
        }
        body = json.dumps(failed).encode()
        assert post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)}).status_code == 200
        subscription.refresh_from_db()
        assert subscription.status == Subscription.Status.PAST_DUE
        # a refund made in the Stripe dashboard arrives as charge.refunded
        course_order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="stripe")
        completed["id"] = "evt_course"
        completed["data"]["object"].update(
            client_reference_id=str(course_order.reference),
            amount_total=49900,
            mode="payment",
            subscription=None,
            payment_intent="pi_course",
        )
        body = json.dumps(completed).encode()
        assert post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)}).status_code == 200
        refunded = fixture_json("stripe/charge.refunded.json")
        refunded["id"] = "evt_refund"  # the community fixtures zero every id
        refunded["data"]["object"].update(payment_intent="pi_course", amount=49900, amount_refunded=49900)
        body = json.dumps(refunded).encode()
        assert post(client, "stripe", body, **{"Stripe-Signature": stripe_header(body)}).status_code == 200
        course_order.refresh_from_db()
        assert course_order.status == Order.Status.REFUNDED
        assert Enrollment.objects.get(user=student, course=paid_course).status == Enrollment.Status.REVOKED


class TestSettleDefersTheLedger:
    """Issue 24: the webhook does what its reply needs (payment, order paid, access, invoice
    number) and the instructors' ledger rows follow from a task after the commit."""

    def test_charge_success_in_a_fixed_number_of_queries_then_the_ledger_task(
        self, client, student, paid_course, gateways_on, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        from messaging.models import Notification
        from payments.models import LedgerEntry

        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            # One transaction: event stored (its INSERT is the lock against twins; no savepoint
            # for the apply, a refusal rolls all back); order found and locked; payment; the
            # items' courses; enrollment (one INSERT … ON CONFLICT DO NOTHING RETURNING);
            # invoice counter counted (one UPDATE … RETURNING); order paid (on PostgreSQL the
            # counter and the order are one statement: WITH n AS (UPDATE counter …) UPDATE order);
            # event applied. In production the outer savepoint and its release are BEGIN and COMMIT.
            from django.db import connection

            with django_assert_num_queries(9 if connection.vendor == "postgresql" else 10):
                response = post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)})
        assert response.status_code == 200, response.json()
        assert not LedgerEntry.objects.exists() and not Notification.objects.exists()
        order.refresh_from_db()
        assert (order.status, order.invoice_number) == (Order.Status.PAID, 1)
        enrollment = Enrollment.objects.get(user=student, course=paid_course)
        assert (enrollment.source, enrollment.notified_at) == (Enrollment.Source.PAYMENT, None)
        assert len(callbacks) == 1  # one task after the commit: order_settled_task (eager here)
        with django_capture_on_commit_callbacks(execute=True):  # the task's own: the receipt
            callbacks[0]()
        item = order.items.get()
        rows = LedgerEntry.objects.filter(source_key=f"order-item:{item.pk}", kind=LedgerEntry.Kind.SALE)
        assert rows.count() == 2 and sum(row.amount_cents for row in rows) == rows[0].net_cents
        assert Notification.objects.filter(user=student, kind="enrollment").count() == 1
        enrollment.refresh_from_db()
        assert enrollment.notified_at is not None
        order.refresh_from_db()
        assert order.receipt_sent_at is not None
        from payments.commerce.settlement import Settled, order_ledger_record, order_settled

        # The task delivered again (at least once): nothing new, no second notice or receipt.
        assert order_settled(order_id=order.pk) == Settled(ledger_items=0, notices=0, receipt=False)
        assert order_ledger_record(order_id=order.pk) == 0 and rows.count() == 2
        assert Notification.objects.filter(user=student, kind="enrollment").count() == 1

    def test_the_first_invoice_of_a_site_without_its_counter_row_makes_it(self, paid_course, gateways_on):
        from payments.commerce.settlement import order_settle
        from payments.models import InvoiceCounter
        from tests.factories import make_user

        InvoiceCounter.objects.all().delete()
        orders = [
            order_create_for_courses(user=make_user(), course_ids=[paid_course.pk], gateway="paystack")
            for _ in range(2)
        ]
        for number, order in enumerate(orders):
            order_settle(
                order_reference=str(order.reference),
                gateway="paystack",
                transaction_reference=f"first-invoices-{number}",
                amount_cents=order.total_cents,
                currency=order.currency,
            )
        assert [Order.objects.get(pk=order.pk).invoice_number for order in orders] == [1, 2]
        assert InvoiceCounter.objects.get().last_number == 2

    def test_the_sweep_finishes_an_order_whose_task_was_lost(
        self, client, student, paid_course, gateways_on, django_capture_on_commit_callbacks
    ):
        from datetime import timedelta

        from messaging.models import Notification
        from payments.commerce.settlement import orders_ledger_sweep
        from payments.models import LedgerEntry

        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        with django_capture_on_commit_callbacks(execute=False):  # the task is lost
            assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 200
        assert orders_ledger_sweep() == 0  # paid under two minutes ago: the task may still come
        assert orders_ledger_sweep(paid_before=timedelta(0)) == 1
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SALE).count() == 2
        assert Notification.objects.filter(user=student, kind="enrollment").count() == 1
        assert orders_ledger_sweep(paid_before=timedelta(0)) == 0
        assert Notification.objects.filter(user=student, kind="enrollment").count() == 1

    def test_buying_a_course_enrolled_before_reopens_it_without_a_second_notice(
        self, client, student, paid_course, gateways_on, django_capture_on_commit_callbacks
    ):
        from learners.enrollment.services import enrollment_create, enrollment_revoke
        from messaging.models import Notification

        with django_capture_on_commit_callbacks(execute=True):
            enrollment_create(user=student, course=paid_course, source=Enrollment.Source.SUBSCRIPTION)
        enrollment_revoke(user=student, course=paid_course)
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 200
        enrollment = Enrollment.objects.get(user=student, course=paid_course)
        assert (enrollment.status, enrollment.source, enrollment.revoked_at) == (
            Enrollment.Status.ACTIVE,
            Enrollment.Source.PAYMENT,
            None,
        )
        assert Notification.objects.filter(user=student, kind="enrollment").count() == 1

    def test_a_delivery_whose_apply_fails_leaves_nothing_and_its_retry_settles_once(
        self, client, student, paid_course, gateways_on, monkeypatch
    ):
        """Stored and applied in one transaction: an unexpected failure of the apply rolls the
        event row back with the rest, so the gateway's retry is a first delivery."""
        import payments.commerce.webhooks as webhooks

        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        real_apply = webhooks._apply

        def broken(**kwargs):
            real_apply(**kwargs)
            raise RuntimeError("the worker died mid-apply")

        monkeypatch.setattr(webhooks, "_apply", broken)
        client.raise_request_exception = False
        assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 500
        assert not WebhookEvent.objects.exists() and not Payment.objects.exists()
        order.refresh_from_db()
        assert order.status == Order.Status.PENDING and order.invoice_number is None
        monkeypatch.setattr(webhooks, "_apply", real_apply)
        for _ in range(2):
            assert post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)}).status_code == 200
        event = WebhookEvent.objects.get()
        assert (event.status, event.deliveries) == (WebhookEvent.Status.APPLIED, 2)
        assert Payment.objects.count() == 1 and Order.objects.get().invoice_number == 1

    def test_an_event_stored_but_never_applied_is_applied_by_its_next_delivery(
        self, client, student, paid_course, gateways_on
    ):
        """A row left RECEIVED (stored by the two-step path, e.g. a confirmation the gateway
        could not answer) is applied when the event comes again, once."""
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        body = paystack_body(order)
        event_id = str(json.loads(body)["data"]["id"])
        WebhookEvent.objects.create(gateway="paystack", event_id=event_id, event_type="charge.success", body="{}")
        response = post(client, "paystack", body, **{"x-paystack-signature": paystack_sign(body)})
        assert response.status_code == 200 and response.json()["detail"] != "Already received."
        event = WebhookEvent.objects.get()
        assert (event.status, event.deliveries, event.order_id) == (WebhookEvent.Status.APPLIED, 2, order.pk)
        assert Payment.objects.count() == 1

    def test_a_refund_before_the_task_writes_the_sale_rows_first(self, student, paid_course, gateways_on):
        from payments.commerce.settlement import order_ledger_record, order_settle, refund_apply
        from payments.models import LedgerEntry

        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        order_settle(
            order_reference=str(order.reference),
            gateway="paystack",
            transaction_reference="t-1",
            amount_cents=order.total_cents,
            currency=order.currency,
        )
        assert not LedgerEntry.objects.exists()  # the task has not run
        refund_apply(payment_id=Payment.objects.get(order=order).pk, refund_reference="r-1", reason="changed mind")
        sales = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SALE)
        refunds = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND)
        assert sales.count() == 2 and refunds.count() == 2
        assert sum(row.amount_cents for row in sales) + sum(row.amount_cents for row in refunds) == 0
        assert order_ledger_record(order_id=order.pk) == 0 and sales.count() == 2  # the late task: nothing

    def test_the_sweep_writes_what_a_lost_task_did_not(self, student, paid_course, gateways_on, settings):
        from datetime import timedelta

        from django.utils import timezone

        from payments.commerce.settlement import order_settle, orders_ledger_sweep
        from payments.models import LedgerEntry

        assert "payments.commerce.tasks.orders_ledger_sweep_task" in {
            entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
        }
        order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
        order_settle(
            order_reference=str(order.reference),
            gateway="paystack",
            transaction_reference="t-1",
            amount_cents=order.total_cents,
            currency=order.currency,
        )
        assert orders_ledger_sweep() == 0  # just paid: its task is still due
        Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(minutes=5))
        assert orders_ledger_sweep() == 1
        assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SALE).count() == 2
        assert orders_ledger_sweep() == 0
