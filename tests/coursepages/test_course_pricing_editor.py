"""The course editor's Pricing tab: prices typed in currency units, and the instructor share
override that only admins see and change."""

from decimal import Decimal

import pytest

from accounts.models import User
from coursepages.models import CoursePage
from tests.coursepages.editor import edit_url, post_edit, post_new_page
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def _latest(course) -> CoursePage:
    """The course as its newest revision holds it (an instructor's save is a draft)."""
    return CoursePage.objects.get(pk=course.pk).get_latest_revision_as_object()


def test_the_editor_shows_the_price_in_currency_units(client, instructor):
    course = make_course(instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900)
    client.force_login(instructor)
    html = client.get(edit_url(course)).content.decode()
    assert 'name="price_cents"' in html
    assert 'value="499.00"' in html
    assert "Price (VAT included)" in html
    assert "price (cents" not in html.lower()


@pytest.mark.parametrize(("typed", "cents"), [("499.00", 49900), ("499", 49900), ("1234.5", 123450), ("0.99", 99)])
def test_a_price_typed_in_units_is_stored_in_cents(client, instructor, typed, cents):
    course = make_course(instructor=instructor)
    client.force_login(instructor)
    response = post_edit(client, course, {"pricing": "one_time", "price_cents": typed})
    assert response.status_code == 302
    assert _latest(course).price_cents == cents


@pytest.mark.parametrize(("typed", "cents"), [("399.00", 39900), ("", None)])
def test_a_sale_price_is_typed_in_units_and_blank_means_no_sale(client, instructor, typed, cents):
    course = make_course(instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900)
    client.force_login(instructor)
    assert "Sale price (VAT included)" in client.get(edit_url(course)).content.decode()
    response = post_edit(client, course, {"pricing": "one_time", "price_cents": "499.00", "sale_price_cents": typed})
    assert response.status_code == 302
    assert _latest(course).sale_price_cents == cents


@pytest.mark.parametrize("typed", ["4.999", "-5", "abc"])
def test_a_price_with_more_than_cents_or_below_zero_is_refused(client, instructor, typed):
    course = make_course(instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=1000)
    client.force_login(instructor)
    response = post_edit(client, course, {"pricing": "one_time", "price_cents": typed})
    assert response.status_code == 200  # the form again, with the error
    assert response.context["form"].errors["price_cents"]
    assert _latest(course).price_cents == 1000


def test_a_new_one_time_course_needs_a_price(client, instructor):
    from coursepages.models import CourseIndexPage

    client.force_login(instructor)
    fields = {"title": "Paid", "slug": "paid", "summary": "S", "pricing": "one_time", "price_cents": ""}
    response = post_new_page(client, "coursepage", CourseIndexPage.objects.get(), fields)
    assert response.status_code == 200
    assert "A one-time purchase needs a price." in str(response.context["form"].errors)
    fields["price_cents"] = "250.00"
    response = post_new_page(client, "coursepage", CourseIndexPage.objects.get(), fields)
    assert response.status_code == 302
    assert CoursePage.objects.get(slug="paid").get_latest_revision_as_object().price_cents == 25000


def test_an_instructor_neither_sees_nor_changes_the_share_override(client, instructor):
    course = make_course(instructor=instructor, revenue_share_override=Decimal("70.00"))
    client.force_login(instructor)
    html = client.get(edit_url(course)).content.decode()
    assert "revenue_share_override" not in html
    assert "Instructor share override" not in html

    # Posted anyway (a hand-made request): refused, the admin's 70% stays.
    response = post_edit(client, course, {"summary": "Changed", "revenue_share_override": "95"})
    assert response.status_code == 302
    saved = _latest(course)
    assert saved.summary == "Changed"
    assert saved.revenue_share_override == Decimal("70.00")


@pytest.mark.parametrize("superuser", [True, False])
def test_an_admin_sees_and_sets_the_share_override(client, instructor, superuser):
    admin = make_user(role=User.Role.ADMIN, is_superuser=superuser, is_staff=True)
    course = make_course(instructor=instructor)
    client.force_login(admin)
    html = client.get(edit_url(course)).content.decode()
    assert 'name="revenue_share_override"' in html
    assert "Instructor share override (%)" in html
    response = post_edit(client, course, {"revenue_share_override": "65.50"}, action="action-publish")
    assert response.status_code == 302
    assert CoursePage.objects.get(pk=course.pk).revenue_share_override == Decimal("65.50")
