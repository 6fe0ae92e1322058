"""Subscriptions: start on the first payment, extend on renewals, past due on a failed
renewal, cancel (runs to the period end), expire after it. Access to 'included' courses
follows `selectors.subscription_active_for`, which ends at current_period_end."""

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from coursepages.models import CoursePage
from learners.enrollment.services import enrollment_create
from learners.models import Enrollment
from payments.commerce.dunning import renewal_recovered_fields
from payments.errors import PaymentError
from payments.gateways import GatewayError, get_gateway
from payments.models import Plan, Subscription

logger = logging.getLogger("payments")


def period_after(start: datetime, plan: Plan) -> datetime:
    """The end of one billing period that starts at `start` (calendar months, kept to month end)."""
    months = 1 if plan.interval == Plan.Interval.MONTHLY else 12
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start + timedelta(days=30 * months)


def subscription_activate(*, subscription: Subscription, gateway_subscription_id: str, paid_at: datetime) -> None:
    """The first payment settled (called inside the settle transaction)."""
    subscription.status = Subscription.Status.ACTIVE
    subscription.started_at = subscription.started_at or paid_at
    subscription.current_period_end = period_after(paid_at, subscription.plan)
    if gateway_subscription_id:
        subscription.gateway_subscription_id = gateway_subscription_id
    subscription.save()


def subscription_extend(*, subscription: Subscription, paid_at: datetime, period_end_ts: int | None = None) -> None:
    """A renewal settled: the period runs on from where it ended (or from now if it lapsed)."""
    if period_end_ts:
        end = datetime.fromtimestamp(period_end_ts, tz=UTC)
    else:
        start = max(subscription.current_period_end or paid_at, paid_at)
        end = period_after(start, subscription.plan)
    subscription.current_period_end = max(end, subscription.current_period_end or end)
    if subscription.status != Subscription.Status.CANCELLED:
        subscription.status = Subscription.Status.ACTIVE
    recovered = renewal_recovered_fields(subscription)  # a past-due subscription is recovered
    subscription.save(update_fields=["current_period_end", "status", *recovered])


@transaction.atomic
def subscription_mark_cancelled(*, subscription: Subscription) -> Subscription:
    """Cancelled at the gateway (or by the student): access runs to the period end."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
        subscription.status = Subscription.Status.CANCELLED
        subscription.cancelled_at = timezone.now()
        subscription.save(update_fields=["status", "cancelled_at"])
    elif subscription.status == Subscription.Status.PENDING:
        subscription.status = Subscription.Status.EXPIRED
        subscription.cancelled_at = timezone.now()
        subscription.save(update_fields=["status", "cancelled_at"])
    return subscription


def subscription_cancel(*, subscription: Subscription, user) -> Subscription:
    """The student cancels: the gateway stops billing, access lasts until the period end."""
    if subscription.user_id != user.pk:
        raise PaymentError("That is not your subscription.", "not_found")
    if subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
        raise PaymentError("This subscription is not running.", "not_active")
    try:
        get_gateway(subscription.gateway).cancel_subscription(subscription=subscription)
    except GatewayError as exc:
        raise PaymentError(f"Could not cancel at the payment provider: {exc}", "gateway_error") from exc
    return subscription_mark_cancelled(subscription=subscription)


def subscriptions_expire(*, now: datetime | None = None) -> int:
    """Mark subscriptions whose paid period is over as expired (the daily beat task).
    Access already ends at current_period_end; this records it. Safe to run twice."""
    now = now or timezone.now()
    running = [Subscription.Status.ACTIVE, Subscription.Status.CANCELLED, Subscription.Status.PAST_DUE]
    # A past-due subscription inside its grace period is the dunning task's to lapse.
    return (
        Subscription.objects.filter(status__in=running, current_period_end__lte=now)
        .exclude(status=Subscription.Status.PAST_DUE, grace_ends_at__gt=now)
        .update(status=Subscription.Status.EXPIRED)
    )


def subscription_course_start(*, user, course: CoursePage) -> Enrollment:
    """Open a course the subscriber's plan includes (its bundle, or any 'included' course)."""
    from payments.commerce.selectors import subscription_active_for

    subscription = subscription_active_for(user=user)
    if subscription is None:
        if course.pricing != CoursePage.Pricing.SUBSCRIPTION:
            raise PaymentError("That course is not included in the subscription.", "not_included")
        raise PaymentError("Subscribe to open this course.", "subscription_inactive")
    if not subscription.plan.opens_course(course):
        raise PaymentError(f"Your {subscription.plan.name} plan does not include that course.", "not_included")
    enrollment, _ = enrollment_create(user=user, course=course, source=Enrollment.Source.SUBSCRIPTION)
    return enrollment
