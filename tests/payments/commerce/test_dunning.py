"""A failed renewal walks through notice → retry → grace → lapse (or recovery): the subscriber
is told in-app and by email with a link to update the card, keeps access during the grace
period, the hourly task retries on the settings' schedule, a card update retries at once, and
when the grace is over the subscription lapses. Admins see past-due subscriptions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coursepages.models import PlatformSettings
from learners.access import lesson_access
from messaging.models import Notification
from payments.commerce.checkout import order_create_for_plan
from payments.commerce.dunning import subscriptions_dunning
from payments.commerce.selectors import subscription_active_for
from payments.commerce.settlement import order_settle
from payments.commerce.subscriptions import subscription_course_start, subscriptions_expire
from payments.commerce.tasks import subscriptions_dunning_task
from payments.commerce.webhooks import webhook_receive
from payments.gateways.sandbox import build_event
from payments.models import Order, Subscription
from tests.factories import lessons_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(db):
    site = PlatformSettings.load()
    site.renewal_retry_days, site.renewal_grace_days = "1, 3,x,5", 7
    site.save()
    return site


def subscribe(user, plan) -> Subscription:
    order = order_create_for_plan(user=user, plan=plan, gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference=f"first-{user.pk}",
        amount_cents=plan.price_cents,
        currency="ZAR",
        subscription_reference=f"sbx_sub_{user.pk}",
    )
    return Subscription.objects.get(pk=order.subscription_id)


def fail_renewal(subscription):
    body, headers = build_event(
        event_type="subscription.payment_failed", subscription_reference=subscription.gateway_subscription_id
    )
    return webhook_receive(gateway_name="sandbox", body=body, headers=headers)


def test_notice_retry_grace_lapse(schedule, student, monthly_plan, included_course, django_capture_on_commit_callbacks):
    assert schedule.renewal_retry_schedule() == [1, 3, 5]
    subscription = subscribe(student, monthly_plan)
    subscription_course_start(user=student, course=included_course)
    period_end = subscription.current_period_end
    mail.outbox.clear()
    # 1. notice: past due, grace and retry schedule set, told in-app and by email with the link
    with django_capture_on_commit_callbacks(execute=True):
        assert fail_renewal(subscription).status == 200
    subscription.refresh_from_db()
    failed_at = subscription.past_due_since
    assert subscription.status == Subscription.Status.PAST_DUE
    assert subscription.grace_ends_at == period_end + timedelta(days=7)
    assert subscription.next_retry_at == failed_at + timedelta(days=1)
    notice = Notification.objects.get(user=student, kind="subscription_payment_failed")
    assert notice.url == reverse("payments:subscription_payment_method")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [student.email]
    assert "/payments/subscription/payment-method/" in mail.outbox[0].body
    # a second failure event (the gateway's own retry) does not notify again or reset the schedule
    with django_capture_on_commit_callbacks(execute=True):
        fail_renewal(subscription)
    assert Notification.objects.filter(kind="subscription_payment_failed").count() == 1 and len(mail.outbox) == 1
    # 2. retry: nothing before it is due; at day 1 the sandbox declines (card not updated)
    assert subscriptions_dunning(now=failed_at + timedelta(hours=23)) == {"retried": 0, "lapsed": 0}
    assert subscriptions_dunning(now=failed_at + timedelta(days=1, minutes=1)) == {"retried": 1, "lapsed": 0}
    subscription.refresh_from_db()
    assert subscription.retry_count == 1 and subscription.next_retry_at == failed_at + timedelta(days=3)
    assert subscription.status == Subscription.Status.PAST_DUE
    assert subscriptions_dunning(now=failed_at + timedelta(days=1, minutes=2))["retried"] == 0  # not twice
    subscriptions_dunning(now=failed_at + timedelta(days=3, minutes=1))
    subscriptions_dunning(now=failed_at + timedelta(days=5, minutes=1))
    subscription.refresh_from_db()
    assert subscription.retry_count == 3 and subscription.next_retry_at is None
    # 3. grace: after the paid period ended, access continues until the grace ends
    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=timezone.now() - timedelta(minutes=1))
    subscription.refresh_from_db()
    assert subscriptions_expire() == 0  # the daily expiry leaves a subscription in grace alone
    assert subscription_active_for(user=student) == subscription
    lesson = lessons_of(included_course)[0]
    assert lesson_access(user=student, lesson=lesson).allowed
    # 4. lapse: when the grace is over it ends, the subscriber is told, access closes
    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_dunning(now=subscription.grace_ends_at) == {"retried": 0, "lapsed": 1}
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert Notification.objects.filter(user=student, kind="subscription_lapsed").count() == 1
    Subscription.objects.filter(pk=subscription.pk).update(grace_ends_at=timezone.now() - timedelta(seconds=1))
    assert subscription_active_for(user=student) is None
    assert lesson_access(user=student, lesson=lesson).reason == "subscription_inactive"
    assert subscriptions_dunning_task.delay().get() == {"retried": 0, "lapsed": 0}  # idempotent


def test_updating_the_card_retries_at_once_and_recovers(client, schedule, student, monthly_plan):
    subscription = subscribe(student, monthly_plan)
    fail_renewal(subscription)
    client.force_login(student)
    page = client.get(reverse("payments:subscription")).content.decode()
    assert 'data-testid="past-due-notice"' in page and reverse("payments:subscription_payment_method") in page
    response = client.get(reverse("payments:subscription_payment_method"))
    assert response["Location"] == reverse("payments:sandbox_payment_method")
    assert "Save a working test card" in client.get(response["Location"]).content.decode()
    response = client.post(reverse("payments:sandbox_payment_method"))
    assert response["Location"] == reverse("payments:subscription")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.past_due_since is None and subscription.next_retry_at is None
    renewal = Order.objects.get(kind=Order.Kind.RENEWAL)
    assert renewal.status == Order.Status.PAID and renewal.total_cents == monthly_plan.price_cents
    # the scheduled retry finds nothing to do
    assert subscriptions_dunning(now=timezone.now() + timedelta(days=2))["retried"] == 0


def test_a_renewal_webhook_during_grace_recovers(schedule, student, monthly_plan):
    subscription = subscribe(student, monthly_plan)
    fail_renewal(subscription)
    body, headers = build_event(
        event_type="subscription.renewed",
        subscription_reference=subscription.gateway_subscription_id,
        amount_cents=monthly_plan.price_cents,
    )
    assert webhook_receive(gateway_name="sandbox", body=body, headers=headers).status == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE and subscription.grace_ends_at is None


def test_admins_see_past_due_subscriptions(client, admin_user, schedule, student, other_student, monthly_plan):
    failing = subscribe(student, monthly_plan)
    subscribe(other_student, monthly_plan)
    fail_renewal(failing)
    client.force_login(admin_user)
    page = client.get(reverse("money_subscriptions_past_due:index")).content.decode()
    assert str(student) in page and str(other_student) not in page
    everything = client.get(reverse("money_subscriptions:index") + "?status=past_due").content.decode()
    assert str(student) in everything and str(other_student) not in everything


@pytest.mark.usefixtures("gateways_on")
def test_paystack_payment_method_link_comes_from_paystack(client, student, monthly_plan):
    import responses

    subscription = subscribe(student, monthly_plan)
    Subscription.objects.filter(pk=subscription.pk).update(
        gateway="paystack", gateway_subscription_id="SUB_vsyqdmlzble3uii"
    )
    with responses.RequestsMock() as mocked:
        # https://paystack.com/docs/api/subscription/#manage-link
        mocked.get(
            "https://api.paystack.co/subscription/SUB_vsyqdmlzble3uii/manage/link",
            json={
                "status": True,
                "message": "Link generated",
                "data": {"link": "https://paystack.com/manage/subscriptions/qlgwhpyq1ts2q0p"},
            },
        )
        client.force_login(student)
        response = client.get(reverse("payments:subscription_payment_method"))
    assert response["Location"] == "https://paystack.com/manage/subscriptions/qlgwhpyq1ts2q0p"


def test_the_sandbox_renewal_command_plays_the_gateway(schedule, student, monthly_plan):
    from io import StringIO

    from django.core.management import call_command

    subscription = subscribe(student, monthly_plan)
    out = StringIO()
    call_command("sandbox_renewal", student.email, "fail", stdout=out)
    assert "Payment failed" in out.getvalue()
    call_command("sandbox_renewal", student.email, "pay", stdout=out)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


@pytest.mark.usefixtures("gateways_on")
def test_stripe_retry_pays_the_failed_invoice(client, schedule, student, monthly_plan):
    """Stripe: the failed invoice of invoice.payment_failed is paid again on the schedule
    (POST /v1/invoices/:id/pay); a decline keeps the subscription past due, and the
    invoice.paid webhook of a paid retry recovers it."""
    import hashlib
    import hmac
    import json
    import time

    import responses

    from tests.payments.conftest import fixture_json

    subscription = subscribe(student, monthly_plan)
    Subscription.objects.filter(pk=subscription.pk).update(
        gateway="stripe", gateway_subscription_id="sub_1MowQVLkdIwHu7ix"
    )

    def deliver(event):
        body = json.dumps(event).encode()
        timestamp = int(time.time())
        signature = hmac.new(b"whsec_test_secret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return client.post(
            "/api/v1/payments/webhook/stripe/",
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": f"t={timestamp},v1={signature}"},
        )

    invoice = fixture_json("stripe/invoice.paid.json")  # Stripe's own invoice event, turned into the failure
    invoice["id"] = "evt_invoice_failed"
    invoice["type"] = "invoice.payment_failed"
    invoice["data"]["object"].update(
        id="in_1MtHbELkdIwHu7ixl4OzzPMv",
        subscription="sub_1MowQVLkdIwHu7ix",
        billing_reason="subscription_cycle",
        status="open",
        paid=False,
        amount_paid=0,
        amount_due=14900,
        currency="zar",
    )
    assert deliver(invoice).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE
    assert subscription.failed_charge_reference == "in_1MtHbELkdIwHu7ixl4OzzPMv"
    pay_url = "https://api.stripe.com/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/pay"
    with responses.RequestsMock() as mocked:
        mocked.post(
            pay_url,
            status=402,
            json={"error": {"code": "card_declined", "message": "Your card was declined.", "type": "card_error"}},
        )
        assert subscriptions_dunning(now=subscription.past_due_since + timedelta(days=1, minutes=1))["retried"] == 1
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE and subscription.retry_count == 1
    paid_invoice = {**invoice["data"]["object"], "status": "paid", "paid": True, "amount_paid": 14900}
    with responses.RequestsMock() as mocked:
        mocked.post(pay_url, json=paid_invoice)
        assert subscriptions_dunning(now=subscription.past_due_since + timedelta(days=3, minutes=1))["retried"] == 1
    renewed = {
        **invoice,
        "id": "evt_invoice_paid",
        "type": "invoice.paid",
        "data": {"object": {**paid_invoice, "payment_intent": "pi_retry"}},
    }
    assert deliver(renewed).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE and subscription.failed_charge_reference == ""
