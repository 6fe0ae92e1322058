"""The admin's money, people and live-class screens as an admin reads them: money in the house
style under labels for people, one order per row without a squeezed title, the financial
overview under its own name, and times in the viewer's time zone."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.services import user_update_profile
from coursepages.models import CoursePage
from live.models import LiveSession
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.settlement import order_settle
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def paid_order(student, instructor):
    course = make_course(instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900, lessons=1)
    order = order_create_for_courses(user=student, course_ids=[course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference="t-admin",
        amount_cents=49900,
        currency="ZAR",
    )
    order.refresh_from_db()
    return order


def test_the_orders_list_shows_money_and_status_in_their_own_columns(client, admin_user, paid_order):
    client.force_login(admin_user)
    html = client.get(reverse("money_orders:index")).content.decode()
    text = _text(html)
    for label in ("Order", "Status", "Customer", "Total", "VAT", "Discount", "Invoice", "Created"):
        assert re.search(rf"<th[^>]*>\s*(<a[^>]*>)?\s*{label}\b", html), label
    assert "R499.00" in text and "R65.09" in text and "R0.00" in text
    assert "cents" not in text.lower()
    # The title is the order's number; its status is a tag of its own, not part of the title.
    assert f"Order {paid_order.pk} ·" not in text
    assert re.search(rf"Order {paid_order.pk}\s*</a>", html)
    assert "Paid" in text or "PAID" in text
    assert "Sam Student" in text


def test_an_orders_details_show_money_not_cents(client, admin_user, paid_order):
    client.force_login(admin_user)
    text = _text(client.get(reverse("money_orders:inspect", args=[paid_order.pk])).content.decode())
    assert "Total R499.00" in text
    assert "VAT R65.09" in text
    assert "Subtotal R499.00" in text
    assert "VAT rate" in text
    assert "cents" not in text.lower() and "49900" not in text


def test_people_columns_are_labelled_for_people(client, admin_user, student):
    client.force_login(admin_user)
    html = client.get(reverse("people:index")).content.decode()
    text = _text(html)
    assert "Get full name" not in text
    assert "Name" in text and "Role" in text and "Joined" in text
    assert "Sam Student" in text and "Student" in text


def test_the_financial_overview_header_names_the_screen(client, admin_user, paid_order):
    client.force_login(admin_user)
    html = client.get(reverse("financial-overview:index")).content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert "Financial overview" in _text(heading)
    assert "Home" not in _text(heading)


@pytest.fixture
def session(student, instructor):
    course = make_course(instructor=instructor, lessons=1)
    starts = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    return LiveSession.objects.create(
        course=course, teacher=instructor, student=student, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Africa/Johannesburg", ("09:00 SAST", "Mon 1 Mar 2027, 09:00 SAST")),
        ("America/New_York", ("02:00 EST", "Mon 1 Mar 2027, 02:00 EST")),
    ],
)
def test_live_classes_show_times_in_the_viewers_time_zone(client, admin_user, session, zone, shown):
    user_update_profile(user=admin_user, timezone=zone)
    client.force_login(admin_user)
    text = _text(client.get(reverse("live_sessions:index")).content.decode())
    title_time, column_time = shown
    assert f"at 2027-03-01 {title_time}" in text  # the row's title
    assert column_time in text  # the Starts column: the same time, the same zone
    assert "UTC" not in text


def test_signing_in_puts_the_admin_in_the_users_own_time_zone(client, admin_user, session):
    from wagtail.users.models import UserProfile

    # Set outside the profile form (as the demo seed or an import would).
    type(admin_user).objects.filter(pk=admin_user.pk).update(timezone="Asia/Tokyo")
    admin_user.refresh_from_db()
    client.force_login(admin_user)
    assert UserProfile.get_for_user(admin_user).current_time_zone == "Asia/Tokyo"
    assert "16:00 JST" in _text(client.get(reverse("live_sessions:index")).content.decode())
