"""Subscriptions through the sandbox gateway: subscribing opens included courses; renewals
extend, failures mark past due; a student cancels and keeps access to the period end; the
daily task expires lapsed ones and access closes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learners.access import lesson_access
from payments.commerce.checkout import order_create_for_plan
from payments.commerce.selectors import subscription_active_for
from payments.commerce.tasks import subscriptions_expire_task
from payments.commerce.webhooks import webhook_receive
from payments.errors import PaymentError
from payments.gateways.sandbox import build_event
from payments.models import Order, Subscription
from tests.factories import lessons_of

pytestmark = pytest.mark.django_db


def deliver(**kwargs):
    body, headers = build_event(**kwargs)
    return webhook_receive(gateway_name="sandbox", body=body, headers=headers)


def subscribe(client, user, plan):
    client.force_login(user)
    response = client.post(reverse("payments:subscribe"), {"plan": plan.pk, "gateway": "sandbox"})
    order = Order.objects.get(user=user, kind=Order.Kind.SUBSCRIPTION)
    assert response["Location"].endswith(reverse("payments:sandbox_checkout", args=[order.reference]))
    response = client.post(reverse("payments:sandbox_checkout", args=[order.reference]), {"outcome": "pay"})
    return order, client.get(response["Location"])


def test_subscribe_opens_included_courses(client, student, monthly_plan, included_course):
    lesson = lessons_of(included_course)[0]
    assert lesson_access(user=student, lesson=lesson).reason == "subscription_inactive"
    order, landing = subscribe(client, student, monthly_plan)
    assert landing["Location"] == reverse("payments:subscription")
    subscription = Subscription.objects.get(user=student)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.gateway_subscription_id.startswith("sbx_sub_")
    assert timedelta(days=27) < subscription.current_period_end - timezone.now() < timedelta(days=32)
    page = client.get(reverse("payments:subscription")).content.decode()
    assert "Monthly" in page and included_course.title in page
    response = client.post(reverse("payments:subscription_course_start", args=[included_course.pk]))
    assert response["Location"] == lesson.url
    assert lesson_access(user=student, lesson=lesson).allowed
    assert client.get(reverse("payments:subscribe")).context["current"] == subscription


def test_renewal_extends_and_failure_marks_past_due(client, student, monthly_plan):
    subscribe(client, student, monthly_plan)
    subscription = Subscription.objects.get(user=student)
    end = subscription.current_period_end
    result = deliver(
        event_type="subscription.renewed",
        subscription_reference=subscription.gateway_subscription_id,
        amount_cents=14900,
        currency="ZAR",
    )
    assert result.status == 200
    subscription.refresh_from_db()
    assert subscription.current_period_end > end + timedelta(days=27)
    renewal = Order.objects.get(kind=Order.Kind.RENEWAL)
    assert renewal.status == Order.Status.PAID and renewal.invoice_number == 2 and renewal.vat_cents == 1943
    # a renewal for the wrong amount is refused
    assert (
        deliver(
            event_type="subscription.renewed",
            subscription_reference=subscription.gateway_subscription_id,
            amount_cents=100,
            currency="ZAR",
        ).status
        == 400
    )
    deliver(event_type="subscription.payment_failed", subscription_reference=subscription.gateway_subscription_id)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE
    assert subscription_active_for(user=student) == subscription  # still inside the paid period


def test_student_cancels_and_keeps_access_to_period_end(client, student, monthly_plan, included_course):
    subscribe(client, student, monthly_plan)
    client.post(reverse("payments:subscription_course_start", args=[included_course.pk]))
    lesson = lessons_of(included_course)[0]
    response = client.post(reverse("payments:subscription_cancel"))
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=student)
    assert subscription.status == Subscription.Status.CANCELLED and subscription.cancelled_at
    assert lesson_access(user=student, lesson=lesson).allowed
    # the daily task before the end changes nothing; after it, the subscription expires
    assert subscriptions_expire_task() == 0
    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=timezone.now() - timedelta(minutes=1))
    assert subscriptions_expire_task() == 1
    assert subscriptions_expire_task() == 0  # safe to run twice
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert lesson_access(user=student, lesson=lesson).reason == "subscription_inactive"


def test_cannot_subscribe_twice_or_start_without_subscription(student, monthly_plan, included_course):
    from payments.commerce.subscriptions import subscription_course_start

    with pytest.raises(PaymentError) as refused:
        subscription_course_start(user=student, course=included_course)
    assert refused.value.code == "subscription_inactive"
    order = order_create_for_plan(user=student, plan=monthly_plan, gateway="sandbox")
    deliver(
        event_type="payment.succeeded",
        order_reference=str(order.reference),
        amount_cents=14900,
        subscription_reference="sbx_sub_1",
    )
    with pytest.raises(PaymentError) as refused:
        order_create_for_plan(user=student, plan=monthly_plan, gateway="sandbox")
    assert refused.value.code == "already_subscribed"
