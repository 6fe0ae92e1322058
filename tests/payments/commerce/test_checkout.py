"""Checkout through the web pages with the sandbox gateway: prices with VAT and coupons, the
order, the sandbox page, access granted, the receipt with its tax invoice."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from learners.access import lesson_access
from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_courses, quote_courses
from payments.errors import PaymentError
from payments.models import Coupon, Order, Payment
from tests.factories import lessons_of

pytestmark = pytest.mark.django_db


def test_checkout_page_shows_subtotal_discount_vat_and_total(client, student, paid_course, welcome_coupon, gateways_on):
    client.force_login(student)
    response = client.get(reverse("payments:checkout"), {"course": paid_course.pk, "coupon": "Welcome10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "R499.00" in html  # subtotal
    assert "−R49.90" in html  # 10% off, half-up per line
    assert "R449.10" in html  # total
    assert "R58.58" in html  # VAT = 44910 × 0.15 / 1.15 = 5857.83 → 5858
    for gateway in ("sandbox", "paystack", "payfast", "stripe"):
        assert f'value="{gateway}"' in html


def test_bad_coupon_is_explained_and_price_unchanged(client, student, paid_course, gateways_on):
    client.force_login(student)
    html = client.get(reverse("payments:checkout"), {"course": paid_course.pk, "coupon": "NOPE"}).content.decode()
    assert "That coupon code does not exist." in html
    assert "R499.00" in html and "R449.10" not in html


def test_buy_through_the_sandbox_lands_in_lesson_one(
    client, student, paid_course, earnings_hooks, django_capture_on_commit_callbacks
):
    client.force_login(student)
    first_lesson = lessons_of(paid_course)[0]
    assert not lesson_access(user=student, lesson=first_lesson).allowed
    response = client.post(
        reverse("payments:checkout") + f"?course={paid_course.pk}", {"course": paid_course.pk, "gateway": "sandbox"}
    )
    order = Order.objects.get(user=student)
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("payments:sandbox_checkout", args=[order.reference]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments:sandbox_checkout", args=[order.reference]), {"outcome": "pay"})
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == first_lesson.url
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.invoice_number == 1
    assert order.total_cents == 49900 and order.vat_cents == 6509
    assert Payment.objects.get(order=order).amount_cents == 49900
    assert Enrollment.objects.get(user=student, course=paid_course).source == Enrollment.Source.PAYMENT
    assert lesson_access(user=student, lesson=first_lesson).allowed
    item = order.items.get()
    assert earnings_hooks.SETTLED == [
        {
            "source_key": f"order-item:{item.pk}",
            "course": paid_course,
            "gross_cents": 49900,
            "currency": "ZAR",
            "occurred_at": order.payment.settled_at,
        }
    ]
    # the receipt carries the tax invoice as a PDF with the number, VAT and the seller's VAT number
    receipts = [message for message in mail.outbox if message.attachments]  # not the welcome email
    assert len(receipts) == 1 and "INV-000001" in receipts[0].subject
    name, content, mimetype = receipts[0].attachments[0]
    assert name == "INV-000001.pdf" and mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "INV-000001" in text and "R65.09" in text and "TAX INVOICE" in text


def test_failed_sandbox_payment_grants_nothing(client, student, paid_course):
    client.force_login(student)
    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    response = client.post(reverse("payments:sandbox_checkout", args=[order.reference]), {"outcome": "fail"})
    page = client.get(response["Location"]).content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "did not go through" in page
    assert not Enrollment.objects.filter(user=student).exists()


def test_cart_of_two_courses_spreads_a_fixed_coupon(client, student, paid_course, second_course, gateways_on):
    coupon = Coupon.objects.create(code="TAKE100", kind=Coupon.Kind.FIXED, amount_off_cents=10000)
    client.force_login(student)
    client.post(reverse("payments:cart_update"), {"course": paid_course.pk})
    client.post(reverse("payments:cart_update"), {"course": second_course.pk})
    response = client.post(reverse("payments:checkout"), {"gateway": "sandbox", "coupon": "take100"})
    assert response.status_code == 302
    order = Order.objects.get(user=student)
    assert (order.subtotal_cents, order.discount_cents, order.total_cents) == (69900, 10000, 59900)
    assert order.coupon == coupon
    items = {item.course_id: item for item in order.items.all()}
    assert items[paid_course.pk].discount_cents + items[second_course.pk].discount_cents == 10000
    assert items[paid_course.pk].discount_cents == 7139  # 10000 × 499/699, half-up
    assert client.session.get("payments_cart") is None  # the cart empties once the order exists


def test_coupon_rules(student, other_student, paid_course, second_course):
    from datetime import timedelta

    from django.utils import timezone

    only_second = Coupon.objects.create(code="SECOND", kind=Coupon.Kind.PERCENT, percent_off=50)
    only_second.courses.add(second_course)
    quote = quote_courses(user=student, courses=[paid_course, second_course], coupon_code="second")
    assert [line.discount_cents for line in quote.lines] == [0, 10000]
    with pytest.raises(PaymentError) as refused:
        quote_courses(user=student, courses=[paid_course], coupon_code="second")
    assert refused.value.code == "coupon_not_applicable"
    Coupon.objects.create(
        code="OLD", kind=Coupon.Kind.PERCENT, percent_off=5, valid_until=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(PaymentError) as refused:
        quote_courses(user=student, courses=[paid_course], coupon_code="old")
    assert refused.value.code == "coupon_expired"
    Coupon.objects.create(
        code="SOON", kind=Coupon.Kind.PERCENT, percent_off=5, valid_from=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(PaymentError) as refused:
        quote_courses(user=student, courses=[paid_course], coupon_code="soon")
    assert refused.value.code == "coupon_not_started"


def test_cannot_buy_twice_or_buy_free_courses(student, paid_course, free_course):
    Enrollment.objects.create(user=student, course=paid_course, source=Enrollment.Source.PAYMENT)
    with pytest.raises(PaymentError) as refused:
        order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    assert refused.value.code == "already_enrolled"
    with pytest.raises(PaymentError) as refused:
        order_create_for_courses(user=student, course_ids=[free_course.pk], gateway="sandbox")
    assert refused.value.code == "not_for_sale"


def test_only_enabled_and_configured_gateways_are_offered(client, student, paid_course, settings):
    """Switched on in PlatformSettings is not enough: the keys must be in the environment."""
    from coursepages.models import PlatformSettings

    platform = PlatformSettings.load()
    platform.gateway_paystack = True
    platform.save()
    settings.PAYSTACK_SECRET_KEY = ""
    client.force_login(student)
    html = client.get(reverse("payments:checkout"), {"course": paid_course.pk}).content.decode()
    assert 'value="sandbox"' in html and 'value="paystack"' not in html
    with pytest.raises(PaymentError) as refused:
        order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="paystack")
    assert refused.value.code == "gateway_unavailable"


def test_receipt_task_is_safe_to_run_twice(student, paid_course):
    from payments.commerce.settlement import order_settle
    from payments.commerce.tasks import send_receipt_task

    order = order_create_for_courses(user=student, course_ids=[paid_course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="t",
        amount_cents=49900,
        currency="ZAR",
    )
    assert send_receipt_task(order_id=order.pk) is True
    assert send_receipt_task(order_id=order.pk) is False
    assert len(mail.outbox) == 1 and "INV-000001" in mail.outbox[0].subject
    # the receipt's amounts in the house style (core.money)
    body = mail.outbox[0].body
    assert "Total (VAT included): R499.00" in body and "of which VAT: R65.09" in body


def test_buy_box_for_course_pages(rf, student, paid_course, included_course):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = student
    html = render_to_string("payments/_buy_box.html", {"course": paid_course}, request=request)
    assert f"/payments/checkout/?course={paid_course.pk}" in html and "R499.00" in html
    html = render_to_string("payments/_buy_box.html", {"course": included_course}, request=request)
    assert reverse("payments:subscription") in html
