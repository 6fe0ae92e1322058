"""Bundles: a plan opens either every 'included' course or only a chosen set (which may hold
one-time courses too). The access policy, the start button, the subscription pages, the admin
form and the instructor split all follow the plan's choice."""

import pytest
from django.urls import reverse

from coursepages.models import CoursePage
from learners.access import lesson_access
from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_plan
from payments.commerce.settlement import order_settle
from payments.commerce.subscriptions import subscription_course_start
from payments.earnings.subscriptions import included_course_ids
from payments.errors import PaymentError
from payments.models import Plan, Subscription
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(instructor):
    return {
        "python": make_course(
            title="Python", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=50000
        ),
        "excel": make_course(title="Excel", instructor=instructor, pricing=CoursePage.Pricing.SUBSCRIPTION),
        "sql": make_course(title="SQL", instructor=instructor, pricing=CoursePage.Pricing.SUBSCRIPTION),
    }


@pytest.fixture
def bundle(courses):
    plan = Plan.objects.create(name="Data bundle", slug="data", price_cents=19900, access=Plan.Access.BUNDLE)
    plan.courses.set([courses["python"], courses["sql"]])
    return plan


def subscribe(user, plan) -> Subscription:
    order = order_create_for_plan(user=user, plan=plan, gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference=f"t-{user.pk}-{plan.pk}",
        amount_cents=plan.price_cents,
        currency="ZAR",
        subscription_reference=f"s-{user.pk}",
    )
    return Subscription.objects.get(pk=order.subscription_id)


def test_a_bundle_opens_its_courses_only(student, courses, bundle):
    subscription = subscribe(student, bundle)
    python, excel, sql = courses["python"], courses["excel"], courses["sql"]
    assert set(included_course_ids(plan=bundle)) == {python.pk, sql.pk}  # what the instructor split reads
    # a one-time course in the bundle opens without buying it
    enrollment = subscription_course_start(user=student, course=python)
    assert enrollment.source == Enrollment.Source.SUBSCRIPTION
    assert lesson_access(user=student, lesson=lessons_of(python)[0]).allowed
    subscription_course_start(user=student, course=sql)
    assert lesson_access(user=student, lesson=lessons_of(sql)[0]).allowed
    # an 'included' course outside the bundle stays closed
    with pytest.raises(PaymentError, match="does not include"):
        subscription_course_start(user=student, course=excel)
    assert lesson_access(user=student, lesson=lessons_of(excel)[0]).reason == "subscription_inactive"
    # when the subscription ends, the bundle's courses close again
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.EXPIRED)
    assert lesson_access(user=student, lesson=lessons_of(python)[0]).reason == "subscription_inactive"


def test_an_all_included_plan_opens_included_courses_not_one_time_ones(student, courses, monthly_plan):
    subscribe(student, monthly_plan)
    subscription_course_start(user=student, course=courses["excel"])
    assert lesson_access(user=student, lesson=lessons_of(courses["excel"])[0]).allowed
    with pytest.raises(PaymentError):
        subscription_course_start(user=student, course=courses["python"])
    assert lesson_access(user=student, lesson=lessons_of(courses["python"])[0]).reason == "not_paid"


def test_pages_show_what_each_plan_opens(client, student, courses, bundle, monthly_plan):
    client.force_login(student)
    page = client.get(reverse("payments:subscribe")).content.decode()
    assert "Bundle: Python, SQL" in page and "Every included course" in page
    subscribe(student, bundle)
    page = client.get(reverse("payments:subscription")).content.decode()
    assert "Python" in page and "SQL" in page and "Excel" not in page
    response = client.post(reverse("payments:subscription_course_start", args=[courses["python"].pk]))
    assert response["Location"] == lessons_of(courses["python"])[0].url


def test_admin_makes_a_bundle(client, admin_user, courses):
    client.force_login(admin_user)
    response = client.post(
        reverse("money_plans:add"),
        {
            "name": "Office bundle",
            "slug": "office",
            "interval": "monthly",
            "price_cents": "9900",
            "currency": "ZAR",
            "is_active": "on",
            "gateway_plan_codes": "{}",
            "access": "bundle",
            "courses": [courses["excel"].pk, courses["python"].pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get(slug="office")
    assert plan.access == Plan.Access.BUNDLE
    assert set(plan.courses.values_list("title", flat=True)) == {"Excel", "Python"}
