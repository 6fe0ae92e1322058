"""Subscription revenue in the earnings ledger (README "Subscription revenue").

A subscription payment (the first or a renewal) is recorded like a sale: gross, VAT, net, the
platform's share (line 0) and the instructors' pool (line 1, account POOL), under
`subscription-payment:<payment id>`, with a SubscriptionEarningsPeriod for the dates it paid
for. When that period has ended, `subscription_periods_close` (celery beat) splits what is
left of the pool among the instructors of the courses the subscriber learnt in, by the rule
the admin picked in the platform settings, writing rows under `subscription-period:<id>`:
the pool emptied (line 0) and one row per course instructor. A period with no learning goes
to the platform. A refund reverses the payment's rows in proportion and, when the period is
already closed, the split too, so the pool account of every payment nets to zero."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from coursepages.models import CoursePage, PlatformSettings
from learners.enrollment.selectors import learning_seconds_by_course
from payments.earnings.ledger import (
    HUNDRED,
    _course_instructors,
    _existing,
    _write_once,
    ledger_reverse_sale,
    lock_earnings_profiles,
    percent_of,
    reversal_row,
    reversed_so_far,
    split_by_weights,
)
from payments.models import LedgerEntry, Payment, SubscriptionEarningsPeriod
from payments.vat import vat_from_gross

logger = logging.getLogger("payments")

Split = PlatformSettings.SubscriptionSplit


def subscription_earnings_record(
    *, payment: Payment, subscription, period_start: datetime, period_end: datetime
) -> SubscriptionEarningsPeriod:
    """Ledger rows of one settled subscription payment and its open period. Idempotent on the
    payment (SUBSCRIPTION_PAYMENT_SETTLED_HOOKS; called inside the settle transaction)."""
    existing = SubscriptionEarningsPeriod.objects.filter(payment=payment).first()
    if existing:
        return existing
    period = SubscriptionEarningsPeriod.objects.create(
        payment=payment,
        subscriber_id=subscription.user_id,
        plan_id=subscription.plan_id,
        currency=payment.currency,
        period_start=period_start,
        period_end=max(period_end, period_start),
    )
    site = PlatformSettings.load()
    rate = Decimal(site.vat_rate)
    gross = payment.amount_cents
    vat = vat_from_gross(gross_cents=gross, rate=rate)
    net = gross - vat
    pool_percent = Decimal(site.subscription_pool_percent)
    pool = percent_of(cents=net, percent=pool_percent)
    common = dict(
        source_key=period.payment_source_key,
        kind=LedgerEntry.Kind.SALE,
        course_title=f"{subscription.plan.name} subscription"[:255],
        currency=payment.currency,
        gross_cents=gross,
        vat_cents=vat,
        net_cents=net,
        vat_rate=rate,
        basis_cents=net,
        occurred_at=payment.settled_at,
        available_at=payment.settled_at + timedelta(days=site.hold_days),
    )
    rows = [
        LedgerEntry(
            line=0,
            account=LedgerEntry.Account.PLATFORM,
            share_percent=HUNDRED - pool_percent,
            amount_cents=net - pool,
            **common,
        ),
        LedgerEntry(line=1, account=LedgerEntry.Account.POOL, share_percent=pool_percent, amount_cents=pool, **common),
    ]
    _write_once(rows, source_key=period.payment_source_key, kind=LedgerEntry.Kind.SALE)
    return period


def pool_left(*, period: SubscriptionEarningsPeriod) -> int:
    """The payment's pool less what refunds took back (before any split)."""
    key = period.payment_source_key
    return (
        LedgerEntry.objects.filter(account=LedgerEntry.Account.POOL)
        .filter(Q(source_key=key, kind=LedgerEntry.Kind.SALE) | Q(reverses__source_key=key))
        .aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )


def included_course_ids(*, plan) -> list[int]:
    """The courses a subscription to `plan` opens."""
    from payments.models import Plan

    if plan.access == Plan.Access.BUNDLE:
        return list(plan.courses.values_list("pk", flat=True))
    return list(CoursePage.objects.filter(pricing=CoursePage.Pricing.SUBSCRIPTION).values_list("pk", flat=True))


def course_weights(*, period: SubscriptionEarningsPeriod, rule: str) -> dict[int, int]:
    """{course id: weight} by which the period's pool is split: the subscriber's seconds of
    learning in each included course, or 1 for each included course they learnt in at all."""
    seconds = learning_seconds_by_course(
        user_id=period.subscriber_id,
        start=period.period_start,
        end=period.period_end,
        course_ids=included_course_ids(plan=period.plan),
    )
    if rule == Split.EQUAL_PER_COURSE:
        return {course_id: 1 for course_id in seconds}
    return seconds


@transaction.atomic
def subscription_period_close(*, period_id: int, now: datetime | None = None) -> bool:
    """Split one ended period's pool. Safe to run twice or in two workers: the period row is
    locked and a closed period is left alone. Returns whether this call closed it."""
    now = now or timezone.now()
    period = SubscriptionEarningsPeriod.objects.select_for_update().select_related("plan", "payment").get(pk=period_id)
    if period.status == SubscriptionEarningsPeriod.Status.CLOSED or period.period_end > now:
        return False
    site = PlatformSettings.load()
    pool = pool_left(period=period)
    weights = course_weights(period=period, rule=site.subscription_split_rule)
    course_ids = sorted(weights)
    common = dict(
        source_key=period.allocation_source_key,
        kind=LedgerEntry.Kind.SALE,
        currency=period.currency,
        occurred_at=period.period_end,
        available_at=max(period.payment.settled_at + timedelta(days=site.hold_days), period.period_end),
    )
    rows = [
        LedgerEntry(
            line=0,
            account=LedgerEntry.Account.POOL,
            course_title=f"{period.plan.name} subscription",
            basis_cents=pool,
            amount_cents=-pool,
            **common,
        )
    ]
    if pool and course_ids:
        courses = CoursePage.objects.in_bulk(course_ids)
        course_parts = split_by_weights(total=pool, weights=[weights[course_id] for course_id in course_ids])
        for course_id, course_part in zip(course_ids, course_parts, strict=True):
            course = courses[course_id]
            instructors = _course_instructors(course)
            if not instructors:
                rows.append(_platform_row(line=len(rows), amount=course_part, course=course, common=common))
                continue
            parts = split_by_weights(total=course_part, weights=[weight for _, weight in instructors])
            for (user_id, _weight), part in zip(instructors, parts, strict=True):
                rows.append(
                    LedgerEntry(
                        line=len(rows),
                        account=LedgerEntry.Account.INSTRUCTOR,
                        instructor_id=user_id,
                        course=course,
                        course_title=course.title[:255],
                        basis_cents=course_part,
                        share_percent=(Decimal(weights[course_id]) * HUNDRED / sum(weights.values())).quantize(
                            Decimal("0.01")
                        ),
                        amount_cents=part,
                        **common,
                    )
                )
    elif pool:  # no learning in the period: the pool stays with the platform
        rows.append(_platform_row(line=1, amount=pool, course=None, common=common))
    if pool:
        lock_earnings_profiles(user_ids=[row.instructor_id for row in rows if row.instructor_id])
        _write_once(rows, source_key=period.allocation_source_key, kind=LedgerEntry.Kind.SALE)
    period.status = SubscriptionEarningsPeriod.Status.CLOSED
    period.split_rule = site.subscription_split_rule
    period.pool_allocated_cents = pool
    period.closed_at = now
    period.save(update_fields=["status", "split_rule", "pool_allocated_cents", "closed_at"])
    return True


def _platform_row(*, line: int, amount: int, course, common: dict) -> LedgerEntry:
    return LedgerEntry(
        line=line,
        account=LedgerEntry.Account.PLATFORM,
        course=course,
        course_title=course.title[:255] if course else "Unused subscription pool",
        basis_cents=amount,
        amount_cents=amount,
        **common,
    )


def subscription_periods_close(*, now: datetime | None = None) -> int:
    """Close every ended, open period (the beat task). Returns how many this call closed."""
    now = now or timezone.now()
    due = SubscriptionEarningsPeriod.objects.filter(
        status=SubscriptionEarningsPeriod.Status.OPEN, period_end__lte=now
    ).values_list("pk", flat=True)
    return sum(subscription_period_close(period_id=period_id, now=now) for period_id in list(due))


def subscription_earnings_reverse(
    *, payment: Payment, refund_key: str, refunded_gross_cents: int, occurred_at: datetime
) -> None:
    """A refund of (part of) a subscription payment (SUBSCRIPTION_PAYMENT_REFUNDED_HOOKS): the
    payment's rows are reversed in proportion; when its period is already split, the split is
    reversed by the same share of the pool, so instructors give back in proportion."""
    period = SubscriptionEarningsPeriod.objects.select_for_update().filter(payment=payment).first()
    if period is None:
        return
    ledger_reverse_sale(
        source_key=period.payment_source_key,
        occurred_at=occurred_at,
        refund_key=refund_key,
        refunded_gross_cents=refunded_gross_cents,
    )
    if period.status != SubscriptionEarningsPeriod.Status.CLOSED or not period.pool_allocated_cents:
        return
    originals = _existing(period.allocation_source_key, LedgerEntry.Kind.SALE)
    reversal_key = f"{period.allocation_source_key}~{refund_key}"
    if not originals or _existing(reversal_key, LedgerEntry.Kind.REFUND):
        return
    lock_earnings_profiles(user_ids=[row.instructor_id for row in originals if row.instructor_id])
    # The split should now match what is left of the pool: take back the difference.
    take_back = period.pool_allocated_cents - max(pool_left(period=period), 0)
    receivers = originals[1:]
    targets = split_by_weights(total=take_back, weights=[row.amount_cents for row in receivers])
    prior = reversed_so_far(originals=originals)
    now = timezone.now()
    rows = []
    for original, target in [(originals[0], -take_back), *zip(receivers, targets, strict=True)]:
        delta = target - prior.get(original.pk, {}).get("amount", 0)
        if not delta:
            continue
        rows.append(
            reversal_row(
                original,
                source_key=reversal_key,
                amount_cents=delta,
                basis_cents=delta,
                occurred_at=occurred_at,
                now=now,
            )
        )
    if rows:
        _write_once(rows, source_key=reversal_key, kind=LedgerEntry.Kind.REFUND)
    logger.info("subscription period %s: %s cents of its split taken back", period.pk, take_back)
