"""An admin's first hour, in the browser with the production security headers: the dashboard,
a sale of today on the orders list and its details in rand (never cents), the people list under
labels for people, the financial overview and the analytics agreeing on today's revenue before
any nightly roll-up, and a live class at the admin's own local time (screenshots in
tests/e2e/screenshots/admin-first-hour-*.png)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import user_update_profile
from coursepages.models import CoursePage
from live.models import LiveSession
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.settlement import order_settle
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.inner_text("body"))


def test_an_admin_reads_today_sale_people_money_and_live_classes(page, screenshot):
    ensure_site_tree()
    admin = make_user(role=User.Role.ADMIN, first_name="Ada", last_name="Admin", is_superuser=True, is_staff=True)
    user_update_profile(user=admin, timezone="Africa/Johannesburg")
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher")
    student = make_user(first_name="Sipho", last_name="Student")
    course = make_course(
        title="Bookkeeping basics",
        instructor=teacher,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=49900,
        lessons=1,
    )
    order = order_create_for_courses(user=student, course_ids=[course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="t-first-hour",
        amount_cents=49900,
        currency="ZAR",
    )
    starts = (timezone.now() + timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
    LiveSession.objects.create(
        course=course, teacher=teacher, student=student, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )

    sign_in(page, admin.email)
    page.goto("/admin/")
    # The account menu's avatar is an image the CSP allows (Wagtail's own, not gravatar.com): it loads.
    avatar = page.locator("img.avatar, .avatar img").first
    assert "gravatar" not in (avatar.get_attribute("src") or "")
    assert avatar.evaluate("image => image.complete && image.naturalWidth > 0")
    screenshot("admin-first-hour-dashboard")

    page.goto(reverse("money_orders:index"))
    text = _text(page)
    assert "R499.00" in text and "Sipho Student" in text
    assert "cents" not in text.lower()
    screenshot("admin-first-hour-orders")
    page.goto(reverse("money_orders:inspect", args=[order.pk]))
    text = _text(page)
    assert "R499.00" in text and "R65.09" in text and "49900" not in text
    screenshot("admin-first-hour-order")

    page.goto(reverse("people:index"))
    text = _text(page)
    assert "Get full name" not in text and "Sipho Student" in text and "Tess Teacher" in text
    screenshot("admin-first-hour-people")

    page.goto(reverse("financial-overview:index"))
    overview = _text(page)
    assert "Financial overview" in page.inner_text("h1") and "Home" not in page.inner_text("h1")
    assert "R499.00" in overview
    screenshot("admin-first-hour-financial-overview")

    page.goto("/admin/analytics/")
    analytics = _text(page)
    # Today's sale is in the analytics now (the open day is computed live), the same money as the overview.
    assert re.search(r"Revenue \(incl\. VAT\)\s*R499\.00", analytics), analytics[:600]
    assert "counted as they happen" in analytics
    screenshot("admin-first-hour-analytics")

    page.goto(reverse("live_sessions:index"))
    text = _text(page)
    assert "09:00 SAST" in text and "UTC" not in text
    screenshot("admin-first-hour-live-classes")
