"""Recovering a failed renewal (README "Failed renewals"): notice → retries → grace → lapse.

When the gateway reports a failed renewal the subscription turns past due: the subscriber is
told at once (in-app and email, with a link to update the card) and keeps access for the grace
period in the platform settings. The hourly task retries the charge on the settings' schedule
where the gateway can be asked to (gateways that retry by themselves report through their
webhooks), and lapses the subscription when the grace period is over. A renewal that succeeds
at any point makes it active again. Every step locks the subscription and checks its state, so
running a step twice does nothing more."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.notify import notify
from coursepages.models import PlatformSettings
from payments.errors import PaymentError
from payments.gateways import GatewayError, get_gateway
from payments.models import Subscription

logger = logging.getLogger("payments")

PAST_DUE = Subscription.Status.PAST_DUE


def payment_method_page_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("payments:subscription_payment_method")


@transaction.atomic
def subscription_mark_past_due(
    *, subscription: Subscription, now: datetime | None = None, failed_charge: str = ""
) -> Subscription:
    """A renewal failed: past due, grace period and retry schedule set, the subscriber told.
    A further failure (a retry declined) while already past due changes nothing but the
    failed charge to retry."""
    now = now or timezone.now()
    subscription = Subscription.objects.select_for_update().select_related("plan", "user").get(pk=subscription.pk)
    if failed_charge and subscription.failed_charge_reference != failed_charge:
        subscription.failed_charge_reference = failed_charge[:255]
        subscription.save(update_fields=["failed_charge_reference"])
    if subscription.status != Subscription.Status.ACTIVE:
        return subscription
    site = PlatformSettings.load()
    schedule = site.renewal_retry_schedule()
    subscription.status = PAST_DUE
    subscription.past_due_since = now
    subscription.grace_ends_at = max(now, subscription.current_period_end or now) + timedelta(
        days=site.renewal_grace_days
    )
    subscription.retry_count = 0
    subscription.next_retry_at = now + timedelta(days=schedule[0]) if schedule else None
    subscription.failure_notified_at = now
    subscription.save(
        update_fields=[
            "status",
            "past_due_since",
            "grace_ends_at",
            "retry_count",
            "next_retry_at",
            "failure_notified_at",
        ]
    )
    notify(
        user=subscription.user,
        kind="subscription_payment_failed",
        title="Your subscription payment failed",
        body=(
            f"We could not charge {subscription.plan.name}. You keep access until "
            f"{timezone.localtime(subscription.grace_ends_at):%-d %B %Y}; update your payment method "
            f"so we can try again: {payment_method_page_url()}"
        ),
        url=reverse("payments:subscription_payment_method"),
        email_template="generic",
        essential=True,
    )
    return subscription


def renewal_recovered_fields(subscription: Subscription) -> list[str]:
    """Clear the past-due bookkeeping (a renewal settled); returns the fields changed."""
    subscription.past_due_since = subscription.grace_ends_at = subscription.next_retry_at = None
    subscription.retry_count = 0
    subscription.failed_charge_reference = ""
    return ["past_due_since", "grace_ends_at", "next_retry_at", "retry_count", "failed_charge_reference"]


def subscription_retry_renewal(
    *, subscription_id: int, now: datetime | None = None, force: bool = False
) -> bool | None:
    """Retry the charge of a past-due subscription if one is due (or `force`, after the card
    was updated). The schedule moves on before the gateway is asked, so two workers never
    charge twice. Returns whether it was charged (None: the gateway retries by itself or no
    retry was due)."""
    from payments.commerce.webhooks import webhook_receive

    now = now or timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().select_related("plan").get(pk=subscription_id)
        due = subscription.next_retry_at is not None and subscription.next_retry_at <= now
        if subscription.status != PAST_DUE or not (due or force) or subscription.grace_ends_at <= now:
            return None
        schedule = PlatformSettings.load().renewal_retry_schedule()
        subscription.retry_count += 1
        upcoming = [day for day in schedule if subscription.past_due_since + timedelta(days=day) > now]
        subscription.next_retry_at = subscription.past_due_since + timedelta(days=upcoming[0]) if upcoming else None
        subscription.save(update_fields=["retry_count", "next_retry_at"])
    try:
        result = get_gateway(subscription.gateway).retry_renewal(subscription=subscription)
    except GatewayError as exc:
        logger.warning("retry of subscription %s failed at the gateway: %s", subscription.pk, exc)
        return False
    if result.body:  # the gateway answered with a signed event: apply it like a webhook
        webhook_receive(gateway_name=subscription.gateway, body=result.body, headers=result.headers)
    logger.info("subscription %s renewal retry %s: %s", subscription.pk, subscription.retry_count, result.charged)
    return result.charged


@transaction.atomic
def subscription_lapse(*, subscription_id: int, now: datetime | None = None) -> bool:
    """The grace period is over and no renewal came: access ends, the gateway stops billing,
    the subscriber is told. Returns whether this call lapsed it."""
    now = now or timezone.now()
    subscription = Subscription.objects.select_for_update().select_related("plan", "user").get(pk=subscription_id)
    if subscription.status != PAST_DUE or subscription.grace_ends_at > now:
        return False
    subscription.status = Subscription.Status.EXPIRED
    subscription.cancelled_at = now
    subscription.next_retry_at = None
    subscription.current_period_end = min(subscription.current_period_end or now, now)
    subscription.save(update_fields=["status", "cancelled_at", "next_retry_at", "current_period_end"])
    try:
        get_gateway(subscription.gateway).cancel_subscription(subscription=subscription)
    except GatewayError as exc:  # billing there stops by itself after its own retries
        logger.warning("could not cancel lapsed subscription %s at the gateway: %s", subscription.pk, exc)
    notify(
        user=subscription.user,
        kind="subscription_lapsed",
        title="Your subscription has ended",
        body=f"We could not collect the renewal of {subscription.plan.name}, so it has ended. "
        f"Subscribe again any time: {settings.SITE_URL.rstrip('/')}{reverse('payments:subscribe')}",
        url=reverse("payments:subscribe"),
        email_template="generic",
        essential=True,
    )
    return True


def subscriptions_dunning(*, now: datetime | None = None) -> dict[str, int]:
    """The hourly beat step: retry the due charges, lapse the subscriptions whose grace is over."""
    now = now or timezone.now()
    past_due = Subscription.objects.filter(status=PAST_DUE)
    retried = 0
    for subscription_id in list(
        past_due.filter(next_retry_at__lte=now, grace_ends_at__gt=now).values_list("pk", flat=True)
    ):
        retried += subscription_retry_renewal(subscription_id=subscription_id, now=now) is not None
    lapsed = sum(
        subscription_lapse(subscription_id=subscription_id, now=now)
        for subscription_id in list(past_due.filter(grace_ends_at__lte=now).values_list("pk", flat=True))
    )
    return {"retried": retried, "lapsed": lapsed}


def subscription_payment_method_url(*, subscription: Subscription, return_url: str) -> str:
    """Where the subscriber updates their card (the gateway's page)."""
    try:
        return get_gateway(subscription.gateway).payment_method_url(subscription=subscription, return_url=return_url)
    except GatewayError as exc:
        raise PaymentError(f"The payment provider is not answering: {exc}", "gateway_error") from exc


def subscription_payment_method_updated(*, subscription: Subscription, user) -> bool | None:
    """The subscriber changed their card (the sandbox's page says so; real gateways' pages return
    here): record it and, when past due, retry the charge at once."""
    if subscription.user_id != user.pk:
        raise PaymentError("That is not your subscription.", "not_found")
    Subscription.objects.filter(pk=subscription.pk).update(payment_method_updated_at=timezone.now())
    return subscription_retry_renewal(subscription_id=subscription.pk, force=True)
