"""Row locks under real concurrency (PostgreSQL only): twenty simultaneous deliveries of one
webhook have one effect; two payments racing for a coupon's last redemption count one."""

import threading

import pytest
from django.db import connection

from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.webhooks import webhook_receive
from payments.gateways.sandbox import build_event
from payments.models import Coupon, CouponRedemption, InvoiceCounter, Order, Payment, WebhookEvent
from tests.factories import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("site_tree")]


def run_together(functions):
    """Start every function at the same moment in its own thread (and DB connection)."""
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_twenty_concurrent_deliveries_of_one_webhook(postgres, student, paid_course, earnings_hooks):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    body, headers = build_event(
        event_type="payment.succeeded",
        order_reference=str(order.reference),
        amount_cents=order.total_cents,
        currency="ZAR",
    )
    results = run_together([lambda: webhook_receive(gateway_name="sandbox", body=body, headers=headers)] * 20)
    assert [r.status for r in results] == [200] * 20
    assert Payment.objects.count() == 1
    assert Enrollment.objects.filter(user=student, course=paid_course).count() == 1
    assert len(earnings_hooks.SETTLED) == 1
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.APPLIED and event.deliveries == 20
    assert InvoiceCounter.objects.get().last_number == 1


def test_concurrent_twins_with_different_event_ids(postgres, student, paid_course, earnings_hooks):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    events = [
        build_event(
            event_type="payment.succeeded",
            order_reference=str(order.reference),
            amount_cents=order.total_cents,
            transaction_reference="same-txn",
        )
        for _ in range(10)
    ]
    run_together([lambda e=e: webhook_receive(gateway_name="sandbox", body=e[0], headers=e[1]) for e in events])
    assert Payment.objects.count() == 1 and len(earnings_hooks.SETTLED) == 1
    assert WebhookEvent.objects.count() == 10
    assert Order.objects.get().invoice_number == 1


def test_two_checkouts_racing_for_the_last_coupon_redemption(postgres, student, other_student, paid_course):
    coupon = Coupon.objects.create(code="LAST", kind=Coupon.Kind.PERCENT, percent_off=50, max_redemptions=1)
    orders = [
        order_create_for_courses(user=user, course_ids=[paid_course.pk], gateway="sandbox", coupon_code="last")
        for user in (student, other_student)
    ]  # both validated while one redemption was left
    events = [
        build_event(event_type="payment.succeeded", order_reference=str(o.reference), amount_cents=o.total_cents)
        for o in orders
    ]
    results = run_together(
        [lambda e=e: webhook_receive(gateway_name="sandbox", body=e[0], headers=e[1]) for e in events]
    )
    assert [r.status for r in results] == [200, 200]
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
    paid = Order.objects.filter(status=Order.Status.PAID)
    assert paid.count() == 2  # both customers paid the quoted price and keep the course
    assert paid.filter(coupon_over_limit=True).count() == 1
    assert sorted(paid.values_list("invoice_number", flat=True)) == [1, 2]
    # a third checkout is now refused at the door
    from payments.errors import PaymentError

    with pytest.raises(PaymentError) as refused:
        order_create_for_courses(user=make_user(), course_ids=[paid_course.pk], gateway="sandbox", coupon_code="last")
    assert refused.value.code == "coupon_exhausted"
