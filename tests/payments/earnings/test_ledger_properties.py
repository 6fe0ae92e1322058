"""Property: for any mix of orders — VAT rates, coupons (so any gross), shares, overrides,
several weighted instructors, refunds — the ledger accounts for every cent paid."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursepages.models import CourseInstructor
from payments.earnings.ledger import earnings_profile_for, ledger_record_sale, ledger_release_due, ledger_reverse_sale
from payments.models import LedgerEntry
from tests.factories import make_user
from tests.payments.earnings.earnings_helpers import paid_course, site_settings

pytestmark = pytest.mark.django_db

percent = st.decimals(min_value=0, max_value=100, places=2)
order = st.fixed_dictionaries(
    {
        "course": st.integers(min_value=0, max_value=2),
        "price": st.integers(min_value=0, max_value=2_000_000),
        "coupon_percent": st.integers(min_value=0, max_value=100),
        "refunded": st.booleans(),
    }
)


@pytest.fixture
def courses(db):
    """Three courses with one, two and three instructors."""
    teachers = [make_user(role="instructor") for _ in range(3)]
    return [paid_course(instructor=teachers[0])] + [
        _with_co_teachers(paid_course(instructor=teachers[0]), teachers[1:n]) for n in (2, 3)
    ]


def _with_co_teachers(course, others):
    for other in others:
        CourseInstructor.objects.create(page=course, user=other)
    return course


_keys = iter(range(10**9))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    vat_rate=st.decimals(min_value=0, max_value=Decimal("0.3"), places=4),
    site_share=percent,
    instructor_shares=st.lists(st.one_of(st.none(), percent), min_size=3, max_size=3),
    overrides=st.lists(st.one_of(st.none(), percent), min_size=3, max_size=3),
    weights=st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3),
    orders=st.lists(order, min_size=1, max_size=8),
)
def test_ledger_sums_equal_what_was_paid_to_the_cent(
    courses, vat_rate, site_share, instructor_shares, overrides, weights, orders
):
    site_settings(vat_rate=vat_rate, default_revenue_share=site_share, hold_days=7)
    teachers = [ci.user for ci in CourseInstructor.objects.filter(page=courses[2]).order_by("sort_order", "pk")]
    for teacher, share in zip(teachers, instructor_shares, strict=True):
        profile = earnings_profile_for(user=teacher)
        profile.default_share_percent = share
        profile.save()
    for course, override in zip(courses, overrides, strict=True):
        course.revenue_share_override = override
        course.save(update_fields=["revenue_share_override"])
        for ci, weight in zip(
            CourseInstructor.objects.filter(page=course).order_by("sort_order", "pk"), weights, strict=False
        ):
            ci.weight = weight
            ci.save(update_fields=["weight"])
    run = next(_keys)
    paid = kept = 0
    for index, spec in enumerate(orders):
        gross = spec["price"] * (100 - spec["coupon_percent"]) // 100  # a coupon changes what was paid
        key = f"run{run}:order-item:{index}"
        rows = ledger_record_sale(
            source_key=key,
            course=courses[spec["course"]],
            gross_cents=gross,
            currency="ZAR",
            occurred_at=timezone.now(),
        )
        paid += gross
        platform = rows[0]
        instructors = rows[1:]
        assert len(instructors) == spec["course"] + 1
        assert platform.vat_cents + platform.amount_cents + sum(r.amount_cents for r in instructors) == gross
        assert sum(r.basis_cents for r in instructors) == platform.net_cents == gross - platform.vat_cents
        assert all(r.amount_cents >= 0 for r in rows)
        if spec["refunded"]:
            ledger_reverse_sale(source_key=key, occurred_at=timezone.now())
        else:
            kept += gross
    ledger_release_due(now=timezone.now() + timezone.timedelta(days=8))
    these = LedgerEntry.objects.filter(source_key__startswith=f"run{run}:")
    platform_rows = these.filter(account="platform")
    totals = platform_rows.aggregate(gross=Sum("gross_cents"), vat=Sum("vat_cents"), share=Sum("amount_cents"))
    instructor_total = these.filter(account="instructor").aggregate(t=Sum("amount_cents"))["t"]
    assert totals["gross"] == kept
    assert totals["vat"] + totals["share"] + instructor_total == kept
    assert platform_rows.filter(kind="sale").aggregate(t=Sum("gross_cents"))["t"] == paid
    assert not these.filter(status="pending").exists()
