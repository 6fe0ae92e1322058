"""Refunds from the Wagtail admin: the gateway refunds, access is revoked, the ledger hooks
reverse the sale, and the action is logged."""

import json

import pytest
import responses
from django.urls import reverse
from wagtail.models import ModelLogEntry

from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.refunds import payment_refund
from payments.commerce.settlement import order_settle
from payments.errors import PaymentError
from payments.models import Order, Payment

pytestmark = pytest.mark.django_db


def settle(order, reference="txn-1"):
    return order_settle(
        order_reference=str(order.reference),
        gateway=order.gateway,
        transaction_reference=reference,
        amount_cents=order.total_cents,
        currency=order.currency,
    )


def test_admin_refund_revokes_access_reverses_ledger_and_logs(client, admin_user, student, paid_course, earnings_hooks):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    settle(order)
    payment = Payment.objects.get(order=order)
    client.force_login(admin_user)
    listing = client.get(reverse("money_payments:index"))
    assert reverse("payments_refund", args=[payment.pk]) in listing.content.decode()
    response = client.post(reverse("payments_refund", args=[payment.pk]), {"reason": "Asked within 7 days"})
    assert response.status_code == 302
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refund_reference.startswith("sbx_refund_")
    assert order.status == Order.Status.REFUNDED
    assert Enrollment.objects.get(user=student, course=paid_course).status == Enrollment.Status.REVOKED
    item = order.items.get()
    assert earnings_hooks.REFUNDED == [{"source_key": f"order-item:{item.pk}", "occurred_at": payment.refunded_at}]
    entry = ModelLogEntry.objects.get(action="lectern.payment.refunded")
    assert entry.user == admin_user and entry.data["reason"] == "Asked within 7 days"
    # twice is refused, nothing changes
    with pytest.raises(PaymentError):
        payment_refund(payment=payment, user=admin_user, reason="again")
    assert len(earnings_hooks.REFUNDED) == 1


def test_students_cannot_refund(client, student, paid_course):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    settle(order)
    client.force_login(student)
    response = client.post(reverse("payments_refund", args=[order.payment.pk]), {"reason": "free money"})
    assert response.status_code in (302, 403)
    assert Payment.objects.get().status == Payment.Status.SETTLED


@responses.activate
def test_paystack_refund_is_sent_and_a_failure_keeps_the_payment(student, admin_user, paid_course, gateways_on):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    settle(order, reference=str(order.reference))
    payment = Payment.objects.get()
    responses.post(
        "https://api.paystack.co/refund",
        status=400,
        json={"status": False, "message": "Transaction has been fully reversed"},
    )
    with pytest.raises(PaymentError, match="fully reversed"):
        payment_refund(payment=payment, user=admin_user, reason="duplicate")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SETTLED
    assert Enrollment.objects.get(user=student).status == Enrollment.Status.ACTIVE
    responses.replace(
        responses.POST,
        "https://api.paystack.co/refund",
        json={
            "status": True,
            "message": "Refund has been queued for processing",
            "data": {"id": 3018284, "transaction": {"reference": str(order.reference)}},
        },
    )
    payment_refund(payment=payment, user=admin_user, reason="duplicate")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refund_reference == "3018284"
    assert json.loads(responses.calls[-1].request.body)["transaction"] == str(order.reference)


def test_admin_lists_are_read_only_with_filters_and_csv(client, admin_user, student, paid_course):
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    settle(order)
    client.force_login(admin_user)
    assert client.get(reverse("money_orders:index"), {"status": "paid"}).status_code == 200
    csv = client.get(reverse("money_orders:index"), {"export": "csv"})
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert csv.status_code == 200 and "INV-000001" in body and "49900" in body
    assert client.get(reverse("money_orders:inspect", args=[order.pk])).status_code == 200
    assert client.get(reverse("money_payments:edit", args=[order.payment.pk])).status_code in (302, 403)
    assert client.get(reverse("money_payments:add")).status_code in (302, 403)
    assert client.get(reverse("money_coupons:add")).status_code == 200


def test_admin_money_columns_and_refund_page_show_the_house_style(client, admin_user, student, paid_course):
    paid_course.price_cents = 1234500
    paid_course.save_revision().publish()
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    settle(order)
    client.force_login(admin_user)
    orders = client.get(reverse("money_orders:index"))
    assert orders.status_code == 200 and "R12 345.00" in orders.content.decode()  # the Total column
    assert client.get(reverse("money_orders:index"), {"ordering": "-total_cents"}).status_code == 200
    assert "R12 345.00" in client.get(reverse("money_payments:index")).content.decode()
    refund_page = client.get(reverse("payments_refund", args=[order.payment.pk])).content.decode()
    assert "Payment of <strong>R12 345.00</strong>" in refund_page
    done = client.post(reverse("payments_refund", args=[order.payment.pk]), {"reason": "asked"}, follow=True)
    assert "Refunded R12 345.00" in done.content.decode()
