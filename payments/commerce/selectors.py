"""Reads about money that other apps ask."""

from django.db.models import Q
from django.utils import timezone

from payments.models import Order, Plan, Subscription

# A cancelled or past-due subscription keeps access until the period it paid for ends.
ACCESS_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.CANCELLED, Subscription.Status.PAST_DUE)


def subscription_active_for(*, user) -> Subscription | None:
    """The subscription that currently opens 'included' courses for this user, if any."""
    if not user.is_authenticated:
        return None
    now = timezone.now()
    in_period = Q(status__in=ACCESS_STATUSES, current_period_end__gt=now)
    in_grace = Q(status=Subscription.Status.PAST_DUE, grace_ends_at__gt=now)  # a failed renewal's grace
    return (
        Subscription.objects.filter(in_period | in_grace, user=user)
        .select_related("plan")
        .order_by("-current_period_end")
        .first()
    )


def user_has_active_subscription(*, user, course=None) -> bool:
    """What the access policy asks (learners.access.has_active_subscription, registered in
    PaymentsConfig.ready): a running subscription that opens `course` (any, without one)."""
    subscription = subscription_active_for(user=user)
    if subscription is None:
        return False
    return course is None or subscription.plan.opens_course(course)


def courses_opened_by(*, plan: Plan):
    """The live courses a subscription to `plan` opens: its bundle, or every included course."""
    from coursepages.models import CoursePage

    courses = CoursePage.objects.live().filter(archived=False)
    if plan.access == Plan.Access.BUNDLE:
        return courses.filter(bundle_plans=plan).exclude(pricing=CoursePage.Pricing.FREE).order_by("title")
    return courses.filter(pricing=CoursePage.Pricing.SUBSCRIPTION).order_by("title")


def subscription_current_for(*, user) -> Subscription | None:
    """The subscription to show on the account page: the one giving access, else the latest started."""
    return subscription_active_for(user=user) or (
        Subscription.objects.filter(user=user)
        .exclude(status=Subscription.Status.PENDING)
        .select_related("plan")
        .order_by("-created_at")
        .first()
    )


def order_history_for(*, user):
    """A student's orders, newest first, with what the history needs loaded up front."""
    return Order.objects.filter(user=user).select_related("plan").prefetch_related("items").order_by("-created_at")


def dashboard_panel(*, user) -> dict:
    """The student dashboard's recent orders (learners.dashboard.panels; PaymentsConfig.ready)."""
    return {"recent_orders": order_history_for(user=user)[:5]}
