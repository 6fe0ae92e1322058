"""Buying through the on-site sandbox gateway: a paid course (landing in lesson one), with a
coupon, and a subscription that opens an included course."""

import pytest

from coursepages.models import CoursePage
from payments.models import Coupon, Order, Plan
from tests.e2e.conftest import sign_in
from tests.factories import lessons_of, make_course, make_user
from tests.payments.conftest import ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(db):
    from django.core.cache import cache

    cache.clear()  # sign-in rate limits counted by earlier tests in this process
    ensure_site_tree()
    instructor = make_user(role="instructor", first_name="Pieter")
    paid = make_course(
        title="Web Development with Django",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=49900,
        lessons=2,
    )
    included = make_course(
        title="Data Analysis", instructor=instructor, pricing=CoursePage.Pricing.SUBSCRIPTION, lessons=2
    )
    Plan.objects.create(name="Lectern Monthly", slug="monthly", price_cents=14900)
    Coupon.objects.create(code="WELCOME10", kind=Coupon.Kind.PERCENT, percent_off=10)
    return {"paid": paid, "included": included, "student": make_user(first_name="Sipho")}


def test_buy_a_course_and_land_in_lesson_one(page, screenshot, shop):
    sign_in(page, shop["student"].email)
    page.goto(f"/payments/checkout/?course={shop['paid'].pk}")
    assert page.get_by_test_id("total").inner_text() == "R499.00"
    assert page.get_by_test_id("vat").inner_text() == "R65.09"
    screenshot("checkout")
    page.get_by_role("button", name="Pay R499.00").click()
    page.wait_for_url("**/payments/sandbox/**")
    screenshot("sandbox-gateway")
    page.get_by_role("button", name="Pay now").click()
    first = lessons_of(shop["paid"])[0]
    page.wait_for_url(f"**{first.url}")
    assert page.get_by_role("heading", name=first.title).is_visible()
    assert page.get_by_text("Lesson 1 text.").is_visible()
    assert "Payment received" in page.content()
    screenshot("lesson-one-after-purchase")
    page.goto("/payments/history/")
    assert page.get_by_role("link", name="INV-000001").is_visible()
    screenshot("payment-history")


def test_apply_a_coupon(page, screenshot, shop):
    sign_in(page, shop["student"].email)
    page.goto(f"/payments/checkout/?course={shop['paid'].pk}")
    page.get_by_label("Coupon code").fill("welcome10")
    page.get_by_role("button", name="Apply coupon").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("discount").inner_text() == "−R49.90"
    assert page.get_by_test_id("total").inner_text() == "R449.10"
    screenshot("checkout-with-coupon")
    page.get_by_role("button", name="Pay R449.10").click()
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url(f"**{lessons_of(shop['paid'])[0].url}")
    order = Order.objects.get(user=shop["student"])
    assert (order.status, order.total_cents, order.coupon_code) == ("paid", 44910, "WELCOME10")
    assert order.coupon_redemption.discount_cents == 4990


def test_subscribe_and_open_an_included_course(page, screenshot, shop):
    sign_in(page, shop["student"].email)
    first = lessons_of(shop["included"])[0]
    page.goto(first.url)
    assert "subscribe" in page.content().lower()
    page.goto("/payments/subscribe/")
    screenshot("subscribe")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("button", name="Pay now").click()
    page.wait_for_url("**/payments/subscription/")
    assert page.get_by_test_id("subscription-status").inner_text() == "Active"
    screenshot("subscription-active")
    page.get_by_role("button", name="Start Data Analysis").click()
    page.wait_for_url(f"**{first.url}")
    assert page.get_by_text("Lesson 1 text.").is_visible()
    screenshot("included-course-open")
