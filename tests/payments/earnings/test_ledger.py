"""The earnings ledger: VAT, shares, weights, idempotency, refunds and the release after the hold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coursepages.models import CourseInstructor
from payments.earnings.ledger import (
    earnings_profile_for,
    ledger_record_sale,
    ledger_release_due,
    ledger_reverse_sale,
    split_by_weights,
)
from payments.earnings.payouts import payout_approve, payout_request
from payments.earnings.selectors import balances_for, earnings_by_course_for, earnings_by_month_for
from payments.models import LedgerEntry
from payments.vat import vat_from_gross
from tests.payments.earnings.earnings_helpers import available_earnings, paid_course, site_settings, with_bank_details

pytestmark = pytest.mark.django_db


def test_vat_is_the_vat_inside_an_inclusive_price_rounded_half_up():
    assert vat_from_gross(gross_cents=11500, rate=Decimal("0.15")) == 1500
    assert vat_from_gross(gross_cents=49900, rate=Decimal("0.15")) == 6509  # 6508.69…
    assert vat_from_gross(gross_cents=23, rate=Decimal("0.15")) == 3  # 2.99… up
    assert vat_from_gross(gross_cents=0, rate=Decimal("0.15")) == 0
    assert vat_from_gross(gross_cents=10000, rate=Decimal("0")) == 0


def test_largest_remainder_split_adds_up_and_favours_the_biggest_remainder():
    assert split_by_weights(total=100, weights=[1, 1, 1]) == [34, 33, 33]
    assert split_by_weights(total=101, weights=[1, 2]) == [34, 67]
    assert split_by_weights(total=5, weights=[0, 0]) == [3, 2]
    assert split_by_weights(total=-100, weights=[1, 1, 1]) == [-34, -33, -33]


def test_a_sale_writes_platform_and_instructor_rows_with_the_breakdown(instructor):
    site_settings(vat_rate=Decimal("0.15"), default_revenue_share=Decimal("70"), hold_days=14)
    course = paid_course(instructor=instructor)
    when = timezone.now()
    platform, mine = ledger_record_sale(
        source_key="order-item:1", course=course, gross_cents=49900, currency="ZAR", occurred_at=when
    )
    assert (platform.account, mine.account, mine.instructor) == ("platform", "instructor", instructor)
    for row in (platform, mine):
        assert (row.gross_cents, row.vat_cents, row.net_cents) == (49900, 6509, 43391)
        assert row.status == LedgerEntry.Status.PENDING
        assert row.available_at == when + timedelta(days=14)
    assert mine.share_percent == Decimal("70") and mine.amount_cents == 30374  # 43391 × 0.7 = 30373.7
    assert platform.share_percent == Decimal("30") and platform.amount_cents == 43391 - 30374
    assert balances_for(user=instructor).pending == 30374
    assert balances_for(user=instructor).available == 0


def test_instructor_default_share_and_course_override(instructor):
    site_settings(default_revenue_share=Decimal("70"))
    profile = earnings_profile_for(user=instructor)
    profile.default_share_percent = Decimal("80")
    profile.save()
    course = paid_course(instructor=instructor)
    _, row = ledger_record_sale(
        source_key="a", course=course, gross_cents=11500, currency="ZAR", occurred_at=timezone.now()
    )
    assert (row.share_percent, row.amount_cents) == (Decimal("80"), 8000)
    course.revenue_share_override = Decimal("50")
    course.save()
    _, row = ledger_record_sale(
        source_key="b", course=course, gross_cents=11500, currency="ZAR", occurred_at=timezone.now()
    )
    assert (row.share_percent, row.amount_cents) == (Decimal("50"), 5000)


def test_several_instructors_split_by_weight_each_with_their_own_percentage(instructor, other_instructor):
    site_settings(vat_rate=Decimal("0.15"), default_revenue_share=Decimal("70"))
    course = paid_course(instructor=instructor)
    CourseInstructor.objects.filter(page=course, user=instructor).update(weight=2)
    CourseInstructor.objects.create(page=course, user=other_instructor, weight=1)
    other = earnings_profile_for(user=other_instructor)
    other.default_share_percent = Decimal("60")
    other.save()
    platform, first, second = ledger_record_sale(
        source_key="x", course=course, gross_cents=10001, currency="ZAR", occurred_at=timezone.now()
    )
    vat = vat_from_gross(gross_cents=10001, rate=Decimal("0.15"))
    net = 10001 - vat
    assert first.basis_cents + second.basis_cents == net
    assert (first.basis_cents, second.basis_cents) == tuple(split_by_weights(total=net, weights=[2, 1]))
    assert first.share_percent == Decimal("70") and second.share_percent == Decimal("60")
    assert vat + platform.amount_cents + first.amount_cents + second.amount_cents == 10001


def test_recording_the_same_sale_twice_changes_nothing(instructor):
    course = paid_course(instructor=instructor)
    first = ledger_record_sale(
        source_key="order-item:9", course=course, gross_cents=49900, currency="ZAR", occurred_at=timezone.now()
    )
    again = ledger_record_sale(
        source_key="order-item:9", course=course, gross_cents=49900, currency="ZAR", occurred_at=timezone.now()
    )
    assert [row.pk for row in again] == [row.pk for row in first]
    assert LedgerEntry.objects.count() == 2


def test_release_makes_rows_available_after_the_hold_only_once(instructor):
    site_settings(hold_days=14)
    course = paid_course(instructor=instructor)
    start = timezone.now()
    _, row = ledger_record_sale(source_key="s", course=course, gross_cents=11500, currency="ZAR", occurred_at=start)
    assert ledger_release_due(now=start + timedelta(days=13)) == 0
    assert balances_for(user=instructor).pending == row.amount_cents
    assert ledger_release_due(now=start + timedelta(days=14, seconds=1)) == 2
    assert ledger_release_due(now=start + timedelta(days=15)) == 0
    balances = balances_for(user=instructor)
    assert (balances.pending, balances.available) == (0, row.amount_cents)


def test_refund_in_the_hold_cancels_pending_and_never_becomes_available(instructor):
    course = paid_course(instructor=instructor)
    start = timezone.now()
    ledger_record_sale(source_key="r", course=course, gross_cents=49900, currency="ZAR", occurred_at=start)
    refund = ledger_reverse_sale(source_key="r", occurred_at=start + timedelta(days=2))
    assert len(refund) == 2 and all(row.status == "pending" for row in refund)
    assert ledger_reverse_sale(source_key="r", occurred_at=start + timedelta(days=3)) == refund  # idempotent
    assert balances_for(user=instructor).pending == 0
    ledger_release_due(now=start + timedelta(days=30))
    balances = balances_for(user=instructor)
    assert (balances.pending, balances.available, balances.earned) == (0, 0, 0)
    assert LedgerEntry.objects.filter(kind="refund").count() == 2


def test_reversing_an_unknown_sale_writes_nothing():
    assert ledger_reverse_sale(source_key="never-sold", occurred_at=timezone.now()) == []
    assert not LedgerEntry.objects.exists()


def test_refund_after_payout_leaves_a_negative_balance_that_later_earnings_repay(instructor, admin_user):
    site_settings(payout_threshold_cents=1000, default_revenue_share=Decimal("70"), hold_days=14)
    with_bank_details(instructor)
    course = paid_course(instructor=instructor)
    _, mine = available_earnings(course=course, gross_cents=11500, key="sale-1")  # instructor gets 7000
    payout = payout_request(user=instructor, amount_cents=7000)
    payout_approve(payout_id=payout.pk, actor=admin_user, reference="EFT-1")
    ledger_reverse_sale(source_key="sale-1", occurred_at=timezone.now())
    balances = balances_for(user=instructor)
    assert (balances.available, balances.paid_out, balances.earned) == (-7000, 7000, 0)
    available_earnings(course=course, gross_cents=23000, key="sale-2")  # another 14000
    assert balances_for(user=instructor).available == 7000


def test_per_course_and_per_month_sums(instructor):
    course = paid_course(instructor=instructor, title="Money basics")
    now = timezone.now()
    ledger_record_sale(source_key="m1", course=course, gross_cents=11500, currency="ZAR", occurred_at=now)
    ledger_record_sale(source_key="m2", course=course, gross_cents=11500, currency="ZAR", occurred_at=now)
    ledger_reverse_sale(source_key="m2", occurred_at=now)
    (row,) = earnings_by_course_for(user=instructor)
    assert (row["course_title"], row["sales"], row["refunds"], row["earned"]) == ("Money basics", 2, 1, 7000)
    months = earnings_by_month_for(user=instructor)
    assert len(months) == 12 and months[-1]["month"] == timezone.localdate().replace(day=1)
    assert months[-1]["earned"] == 7000 and sum(m["earned"] for m in months[:-1]) == 0
