"""Reads about money that other apps ask."""

from django.utils import timezone

from payments.models import Order, Subscription

# A cancelled or past-due subscription keeps access until the period it paid for ends.
ACCESS_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.CANCELLED, Subscription.Status.PAST_DUE)


def subscription_active_for(*, user) -> Subscription | None:
    """The subscription that currently opens 'included' courses for this user, if any."""
    if not user.is_authenticated:
        return None
    return (
        Subscription.objects.filter(user=user, status__in=ACCESS_STATUSES, current_period_end__gt=timezone.now())
        .order_by("-current_period_end")
        .first()
    )


def user_has_active_subscription(*, user) -> bool:
    """What the access policy asks (learners.access.has_active_subscription, registered in
    PaymentsConfig.ready)."""
    return subscription_active_for(user=user) is not None


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
