"""In the browser, with production's security headers: a course on sale shows its regular
price struck through on the catalog and at checkout and is bought at the sale price; a
subscriber whose renewal failed sees the notice, updates the card and is active again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coursepages.models import CoursePage
from messaging.models import Notification
from payments.commerce.checkout import order_create_for_plan
from payments.commerce.settlement import order_settle
from payments.commerce.webhooks import webhook_receive
from payments.gateways.sandbox import build_event
from payments.models import Order, Plan, Subscription
from tests.e2e.conftest import sign_in
from tests.factories import lessons_of, make_course, make_user
from tests.payments.conftest import ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(db):
    from django.core.cache import cache

    cache.clear()
    ensure_site_tree()
    instructor = make_user(role="instructor", first_name="Pieter")
    now = timezone.now()
    course = make_course(
        title="Web Development with Django",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=49900,
        sale_price_cents=29900,
        sale_starts_at=now - timedelta(days=1),
        sale_ends_at=now + timedelta(days=6),
        lessons=1,
    )
    plan = Plan.objects.create(name="Lectern Monthly", slug="monthly", price_cents=14900)
    return {"course": course, "plan": plan, "student": make_user(first_name="Sipho")}


def test_buy_a_course_on_sale(page, screenshot, shop):
    page.goto("/courses/")
    card_price = page.locator(".card-price").first
    assert card_price.locator("del").inner_text().endswith("R499.00")
    assert "R299.00" in card_price.inner_text()
    screenshot("catalog-sale-price")
    sign_in(page, shop["student"].email)
    page.goto(f"/payments/checkout/?course={shop['course'].pk}")
    assert "R499.00" in page.get_by_test_id("list-price").inner_text()
    assert page.get_by_test_id("total").inner_text() == "R299.00"
    assert page.get_by_test_id("vat").inner_text() == "R39.00"
    screenshot("checkout-sale-price")
    page.get_by_role("button", name="Pay R299.00").click()
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url(f"**{lessons_of(shop['course'])[0].url}")
    order = Order.objects.get(user=shop["student"])
    assert (order.status, order.total_cents, order.vat_cents) == ("paid", 29900, 3900)


def test_failed_renewal_then_update_the_card(page, screenshot, shop):
    student = shop["student"]
    order = order_create_for_plan(user=student, plan=shop["plan"], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="first",
        amount_cents=14900,
        currency="ZAR",
        subscription_reference="sbx_sub_e2e",
    )
    body, headers = build_event(event_type="subscription.payment_failed", subscription_reference="sbx_sub_e2e")
    assert webhook_receive(gateway_name="sandbox", body=body, headers=headers).status == 200
    assert Notification.objects.filter(user=student, kind="subscription_payment_failed").exists()
    sign_in(page, student.email)
    page.goto("/payments/subscription/")
    assert page.get_by_test_id("subscription-status").inner_text() == "Payment failed"
    assert "Access continues until" in page.get_by_test_id("past-due-notice").inner_text()
    screenshot("subscription-past-due")
    page.get_by_role("link", name="Update payment method").click()
    page.wait_for_url("**/payments/sandbox/payment-method/")
    screenshot("sandbox-update-card")
    page.get_by_role("button", name="Save a working test card").click()
    page.wait_for_url("**/payments/subscription/")
    assert page.get_by_test_id("subscription-status").inner_text() == "Active"
    assert "renewal paid" in page.content()
    screenshot("subscription-recovered")
    assert Subscription.objects.get(user=student).status == Subscription.Status.ACTIVE
    assert Order.objects.filter(user=student, kind=Order.Kind.RENEWAL, status=Order.Status.PAID).count() == 1
