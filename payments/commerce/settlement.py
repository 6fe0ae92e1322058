"""Applying money to orders: settle a payment (grant access, count the coupon, number the
invoice, run the earnings hooks), record a failure, renew a subscription, apply a refund.

Every function here runs inside one transaction with the order (or subscription, or
payment) row locked, and checks the current state first, so a duplicate, a replay or a
concurrent twin finds the work done and changes nothing."""

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.module_loading import import_string

from core.errors import DomainError
from core.prepared import Prepared
from core.prepared_writes import PreparedInsert, row_fields
from learners.enrollment.services import enrollment_notices_send, enrollment_revoke, enrollments_create_paid
from learners.models import Enrollment
from payments.commerce.checkout import plan_order_fields
from payments.commerce.coupons import coupon_redeem_for_order
from payments.commerce.invoices import invoice_number_allocate, order_invoice_number_save
from payments.commerce.subscriptions import subscription_activate, subscription_extend
from payments.earnings.ledger import split_by_weights
from payments.models import LedgerEntry, Order, OrderItem, Payment, PaymentRefund, Subscription

logger = logging.getLogger("payments")

# A renewal that arrives more than this long after the period ended starts a new period now.
RENEWAL_LATE_LIMIT = timedelta(days=45)


class Refused(DomainError):
    """The event does not fit the order (amount, currency, gateway): nothing was written."""

    default_code = "event_refused"


class NoSuchOrder(Refused):
    """No order has the event's reference (it may name a subscription's charge instead)."""


@dataclass
class Outcome:
    applied: bool
    message: str
    order: Order | None = None


def _run_hooks(setting_name: str, **kwargs) -> None:
    for path in getattr(settings, setting_name, []):
        import_string(path)(**kwargs)


def _check_money(*, order: Order, gateway: str, amount_cents: int | None, currency: str) -> None:
    if gateway != order.gateway:
        raise Refused(f"order {order.pk} was placed with {order.gateway}, the event came from {gateway}")
    if amount_cents is None or int(amount_cents) != order.total_cents:
        raise Refused(f"amount {amount_cents} does not match order {order.pk} total {order.total_cents}")
    if (currency or "").upper() != order.currency.upper():
        raise Refused(f"currency {currency!r} does not match order {order.pk} currency {order.currency}")


def _receipt_after_commit(order: Order) -> None:
    from outbox.services import task_send_on_commit
    from payments.commerce.tasks import send_receipt_task

    task_send_on_commit(task=send_receipt_task, kwargs={"order_id": order.pk})


def _settled_after_commit(order: Order) -> None:
    from outbox.services import task_send_on_commit
    from payments.commerce.tasks import order_settled_task

    task_send_on_commit(task=order_settled_task, kwargs={"order_id": order.pk})


def _sale_hooks_missing(*, order: Order, items: list, payment: Payment | None = None) -> int:
    """Run PAYMENT_SETTLED_HOOKS for each item of a paid course order whose sale ledger rows
    are not written yet (all of them when the hooks are not the ledger's); the caller holds
    the order lock. Returns how many items it wrote."""
    keys = {f"order-item:{item.pk}": item for item in items}
    written = set(
        LedgerEntry.objects.filter(source_key__in=list(keys), kind=LedgerEntry.Kind.SALE).values_list(
            "source_key", flat=True
        )
    )
    missing = [(key, item) for key, item in keys.items() if key not in written]
    if not missing:
        return 0
    payment = payment or Payment.objects.filter(order=order).order_by("pk").first()
    occurred_at = payment.settled_at if payment and payment.settled_at else order.paid_at or timezone.now()
    for key, item in missing:
        _run_hooks(
            "PAYMENT_SETTLED_HOOKS",
            source_key=key,
            course=item.course,
            gross_cents=item.paid_cents,
            currency=order.currency,
            occurred_at=occurred_at,
        )
    return len(missing)


def order_ledger_record(*, order_id: int) -> int:
    """The instructors' ledger rows of a paid course order (PAYMENT_SETTLED_HOOKS per item),
    written under the order lock. Idempotent: items whose rows exist are skipped, and the
    ledger's own hook is idempotent on its source key. An order no longer paid (refunded:
    the refund wrote them first) is left alone. Returns how many items it wrote."""
    return order_settled(order_id=order_id, notices=False, receipt=False).ledger_items


@dataclass
class Settled:
    ledger_items: int = 0
    notices: int = 0
    receipt: bool = False


def order_settled(*, order_id: int, notices: bool = True, receipt: bool = True) -> Settled:
    """What follows a settle's commit, in one transaction under the order lock (the task
    `order_settled_task`): a paid course order's ledger rows (items without them) and the
    buyer's enrollment notices (enrollments not yet notified: learners'
    `enrollment_notices_send`), then its receipt queued (`send_receipt_task`, itself once per
    order) unless sent. Safe to run twice or at once: a second run finds all done."""
    done = Settled()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, status__in=(Order.Status.PAID, Order.Status.REFUNDED))
            .first()
        )
        if order is None:
            return done
        if order.kind == Order.Kind.COURSES and order.status == Order.Status.PAID:
            items = list(order.items.select_related("course").order_by("pk"))
            if getattr(settings, "PAYMENT_SETTLED_HOOKS", []):
                done.ledger_items = _sale_hooks_missing(order=order, items=items)
            if notices:
                done.notices = enrollment_notices_send(
                    user_id=order.user_id, course_ids=[item.course_id for item in items]
                )
        if receipt and order.receipt_sent_at is None:
            _receipt_after_commit(order)
            done.receipt = True
    return done


# A paid order whose after-commit task has not run within this long is finished by the sweep.
LEDGER_SWEEP_AFTER = timedelta(minutes=2)
# Enrollment notices are swept for orders paid within this long; an older one is not sent late.
NOTICE_SWEEP_WITHIN = timedelta(days=2)


def orders_ledger_sweep(*, limit: int = 500, paid_before: timedelta = LEDGER_SWEEP_AFTER) -> int:
    """Beat (every 10 minutes): paid course orders whose after-commit task was lost or failed,
    paid at least `paid_before` ago, are finished: an item without sale ledger rows gets them,
    and (for orders paid within NOTICE_SWEEP_WITHIN) an enrollment without its notice gets it.
    Returns how many items' ledger rows were written."""
    now = timezone.now()
    paid = OrderItem.objects.filter(
        order__kind=Order.Kind.COURSES, order__status=Order.Status.PAID, order__paid_at__lte=now - paid_before
    )
    order_ids = set()
    if getattr(settings, "PAYMENT_SETTLED_HOOKS", []):
        key = Concat(Value("order-item:"), Cast("pk", CharField()))
        written = LedgerEntry.objects.filter(source_key=OuterRef("key"), kind=LedgerEntry.Kind.SALE)
        order_ids |= set(
            paid.annotate(key=key)
            .filter(~Exists(written))
            .values_list("order_id", flat=True)
            .distinct()
            .order_by("order_id")[:limit]
        )
    unnoticed = Enrollment.objects.filter(
        user_id=OuterRef("order__user_id"), course_id=OuterRef("course_id"), notified_at__isnull=True
    )
    order_ids |= set(
        paid.filter(order__paid_at__gte=now - NOTICE_SWEEP_WITHIN)
        .filter(Exists(unnoticed))
        .values_list("order_id", flat=True)
        .distinct()
        .order_by("order_id")[:limit]
    )
    results = [order_settled(order_id=order_id, receipt=False) for order_id in sorted(order_ids)]
    written_items = sum(result.ledger_items for result in results)
    notices = sum(result.notices for result in results)
    if written_items or notices:
        logger.warning("sweep: ledger rows of %s order items, %s enrollment notices", written_items, notices)
    return written_items


# The settle's locking read of the order by its reference, and the order's courses: compiled
# once per process (core/prepared.py). The reference is unique: no ORDER BY or LIMIT.
_order_locked_by_reference = Prepared(
    Order,
    lambda reference: Order.objects.select_for_update().filter(reference=reference).order_by(),
    arity=1,
    kinds=(uuid.UUID,),
)
_payment_insert = PreparedInsert(Payment, row_fields(Payment))
_order_course_ids = Prepared(
    OrderItem,
    lambda order_id: OrderItem.objects.filter(order_id=order_id).order_by().values_list("course_id"),
    arity=1,
)


def _atomic_unless_nested(function):
    """Run `function` in the caller's transaction when there is one (no savepoint: the caller
    decides what a raised error undoes), else in a transaction of its own."""

    @functools.wraps(function)
    def in_a_transaction(**kwargs):
        if transaction.get_connection().in_atomic_block:
            return function(**kwargs)
        with transaction.atomic():
            return function(**kwargs)

    return in_a_transaction


@_atomic_unless_nested
def order_settle(
    *,
    order_reference: str,
    gateway: str,
    transaction_reference: str,
    amount_cents: int | None,
    currency: str,
    subscription_reference: str = "",
    period_end_ts: int | None = None,
) -> Outcome:
    """The gateway says the order is paid. Grants access once, whatever arrives twice.

    What the reply needs happens here: the payment, the order paid, the coupon counted, access
    granted, the invoice number. The rest is one task after the commit, `order_settled_task`
    (under the order lock, idempotent): a course order's instructors' ledger rows, the
    enrollment notices, the receipt; a refund writes ledger rows still missing first, and the
    beat sweep `orders_ledger_sweep` finishes an order whose task was lost.

    No savepoint of its own inside a caller's transaction: a refusal (no such order, money
    that does not match) comes before any write, and the webhook applies an event inside a
    savepoint of its own (webhooks._apply_and_finish), which any other error rolls back."""
    try:
        found = _order_locked_by_reference.objects(order_reference)
    except ValueError:  # not a UUID: no order has it
        found = []
    if not found:
        raise NoSuchOrder(f"no order with reference {order_reference!r}")
    order = found[0]
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        first = Payment.objects.filter(order=order).values_list("gateway_reference", flat=True).first()
        if (
            order.kind == Order.Kind.SUBSCRIPTION
            and subscription_reference
            and transaction_reference
            and transaction_reference != first
        ):
            # PayFast repeats the first order's m_payment_id on every recurring payment.
            return subscription_renew(
                gateway=gateway,
                subscription_reference=subscription_reference,
                transaction_reference=transaction_reference,
                amount_cents=amount_cents,
                currency=currency,
                period_end_ts=period_end_ts,
            )
        return Outcome(False, f"order {order.pk} is already {order.status}", order)
    _check_money(order=order, gateway=gateway, amount_cents=amount_cents, currency=currency)
    now = timezone.now()
    payment = _payment_insert.insert(
        Payment(
            order=order,
            gateway=gateway,
            gateway_reference=transaction_reference or f"{gateway}:{order.reference}",
            amount_cents=int(amount_cents),
            currency=order.currency,
            settled_at=now,
        )
    )
    order.status = Order.Status.PAID
    order.paid_at = now
    order.failure_reason = ""
    coupon_redeem_for_order(order=order)
    if order.kind == Order.Kind.COURSES:
        course_ids = [course_id for (course_id,) in _order_course_ids.rows(order.pk)]
        enrollments_create_paid(user_id=order.user_id, course_ids=course_ids)
    elif order.subscription_id:
        subscription = Subscription.objects.select_for_update().get(pk=order.subscription_id)
        subscription_activate(subscription=subscription, gateway_subscription_id=subscription_reference, paid_at=now)
        _run_hooks(
            "SUBSCRIPTION_PAYMENT_SETTLED_HOOKS",
            payment=payment,
            subscription=subscription,
            period_start=now,
            period_end=subscription.current_period_end,
        )
    # The invoice number last: the counter row stays locked until the commit, so the shorter
    # the rest of the transaction after it, the less settlements wait for each other.
    order_invoice_number_save(order=order, fields=("status", "paid_at", "failure_reason"))
    _settled_after_commit(order)
    logger.info("order %s settled by %s %s", order.pk, gateway, transaction_reference)
    return Outcome(True, f"order {order.pk} paid", order)


@transaction.atomic
def order_fail(*, order_reference: str, gateway: str, reason: str) -> Outcome:
    order = Order.objects.select_for_update().filter(reference=order_reference, gateway=gateway).first()
    if order is None:
        raise Refused(f"no {gateway} order with reference {order_reference!r}")
    if order.status != Order.Status.PENDING:
        return Outcome(False, f"order {order.pk} is already {order.status}", order)
    order.status = Order.Status.FAILED
    order.failure_reason = reason[:255]
    order.save(update_fields=["status", "failure_reason"])
    if order.subscription_id:
        Subscription.objects.filter(pk=order.subscription_id, status=Subscription.Status.PENDING).update(
            status=Subscription.Status.EXPIRED
        )
    return Outcome(True, f"order {order.pk} failed", order)


def subscription_for(
    *, gateway: str, subscription_reference: str = "", customer_email: str = "", plan_code: str = ""
) -> Subscription | None:
    """Find (and lock) a subscription by the gateway's id, or by customer email and plan code."""
    queryset = Subscription.objects.select_for_update().filter(gateway=gateway)
    if subscription_reference:
        found = queryset.filter(gateway_subscription_id=subscription_reference).first()
        if found:
            return found
    if customer_email and plan_code:
        candidates = (
            queryset.filter(user__email__iexact=customer_email)
            .exclude(status=Subscription.Status.EXPIRED)
            .order_by("-created_at")
            .select_related("plan")
        )
        return next((s for s in candidates if (s.plan.gateway_plan_codes or {}).get(gateway) == plan_code), None)
    return None


@transaction.atomic
def subscription_renew(
    *,
    gateway: str,
    subscription_reference: str = "",
    transaction_reference: str,
    amount_cents: int | None,
    currency: str,
    period_end_ts: int | None = None,
    customer_email: str = "",
    plan_code: str = "",
) -> Outcome:
    """A renewal payment: a paid renewal order (with its own invoice) and a longer period."""
    subscription = subscription_for(
        gateway=gateway,
        subscription_reference=subscription_reference,
        customer_email=customer_email,
        plan_code=plan_code,
    )
    if subscription is None:
        raise Refused(f"no {gateway} subscription {subscription_reference or customer_email!r}")
    if Payment.objects.filter(gateway=gateway, gateway_reference=transaction_reference).exists():
        return Outcome(False, f"renewal {transaction_reference} already recorded")
    plan = subscription.plan
    if amount_cents is None or int(amount_cents) != plan.price_cents or currency.upper() != plan.currency:
        raise Refused(f"renewal of {amount_cents} {currency} does not match plan {plan.price_cents} {plan.currency}")
    now = timezone.now()
    order = Order.objects.create(
        user=subscription.user,
        kind=Order.Kind.RENEWAL,
        status=Order.Status.PAID,
        **plan_order_fields(subscription=subscription, gateway=gateway),
        paid_at=now,
        invoice_number=invoice_number_allocate(),
    )
    payment = Payment.objects.create(
        order=order,
        gateway=gateway,
        gateway_reference=transaction_reference,
        amount_cents=int(amount_cents),
        currency=plan.currency,
        settled_at=now,
    )
    if subscription_reference and not subscription.gateway_subscription_id:
        subscription.gateway_subscription_id = subscription_reference
        subscription.save(update_fields=["gateway_subscription_id"])
    # The renewal pays for the time from where the last period ended (or from now, after a lapse).
    period_start = subscription.current_period_end if subscription.current_period_end else now
    if subscription.status == Subscription.Status.EXPIRED or period_start < now - RENEWAL_LATE_LIMIT:
        period_start = now
    subscription_extend(subscription=subscription, paid_at=now, period_end_ts=period_end_ts)
    _run_hooks(
        "SUBSCRIPTION_PAYMENT_SETTLED_HOOKS",
        payment=payment,
        subscription=subscription,
        period_start=min(period_start, subscription.current_period_end),
        period_end=subscription.current_period_end,
    )
    _receipt_after_commit(order)
    return Outcome(True, f"subscription {subscription.pk} renewed to {subscription.current_period_end:%Y-%m-%d}", order)


@transaction.atomic
def subscription_link(*, gateway: str, subscription_reference: str, customer_email: str, plan_code: str) -> Outcome:
    """PayStack's subscription.create names the subscription code after the first charge."""
    subscription = subscription_for(gateway=gateway, customer_email=customer_email, plan_code=plan_code)
    if subscription is None:
        return Outcome(False, f"no subscription for {customer_email} on {plan_code}")
    if subscription.gateway_subscription_id != subscription_reference:
        subscription.gateway_subscription_id = subscription_reference
        subscription.save(update_fields=["gateway_subscription_id"])
    return Outcome(True, f"subscription {subscription.pk} is {subscription_reference}")


@transaction.atomic
def refund_apply(
    *, payment_id: int, refund_reference: str, reason: str, user=None, amount_cents: int | None = None
) -> Outcome:
    """Money went back, all of it (`amount_cents` None) or part. The ledger is reversed in
    proportion (PAYMENT_REFUNDED_HOOKS per course, SUBSCRIPTION_PAYMENT_REFUNDED_HOOKS for a
    plan); a full refund also revokes access (and ends a subscription), a partial one keeps it.
    Once only: a refund reference already recorded, or a payment already refunded in full,
    changes nothing."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if payment.status == Payment.Status.REFUNDED:
        return Outcome(False, f"payment {payment.pk} was already refunded", order)
    if refund_reference and PaymentRefund.objects.filter(payment=payment, reference=refund_reference[:255]).exists():
        return Outcome(False, f"refund {refund_reference} of payment {payment.pk} was already recorded", order)
    remaining = payment.amount_cents - payment.refunded_cents
    amount = remaining if amount_cents is None else int(amount_cents)
    if not 0 < amount <= remaining:
        raise Refused(f"a refund of {amount} cents does not fit payment {payment.pk} ({remaining} cents refundable)")
    now = timezone.now()
    refund = PaymentRefund.objects.create(
        payment=payment, amount_cents=amount, reference=refund_reference[:255], reason=reason[:255], created_by=user
    )
    whole_at_once = payment.refunded_cents == 0 and amount == payment.amount_cents
    payment.refunded_cents += amount
    full = payment.refunded_cents >= payment.amount_cents
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.refunded_at = now
    payment.refund_reference = refund_reference[:255]
    payment.refund_reason = reason[:255]
    payment.refunded_by = user
    payment.save(
        update_fields=["status", "refunded_cents", "refunded_at", "refund_reference", "refund_reason", "refunded_by"]
    )
    if full:
        order.status = Order.Status.REFUNDED
        order.save(update_fields=["status"])
    partial = {} if whole_at_once else {"refund_key": f"refund:{refund.pk}"}
    items = list(order.items.select_related("course").order_by("pk"))
    if order.kind == Order.Kind.COURSES:
        # The sale's rows come from a task after the settle: write any still missing, so the
        # refund has something to reverse (under the order lock, as the task would).
        _sale_hooks_missing(order=order, items=items, payment=payment)
    refunded_per_item = split_by_weights(total=payment.refunded_cents, weights=[item.paid_cents for item in items])
    for item, refunded in zip(items, refunded_per_item, strict=True):
        if full:
            enrollment_revoke(user=order.user, course=item.course)
        extra = {**partial, "refunded_gross_cents": refunded} if partial else {}
        _run_hooks("PAYMENT_REFUNDED_HOOKS", source_key=f"order-item:{item.pk}", occurred_at=now, **extra)
    if order.subscription_id and order.kind in (Order.Kind.SUBSCRIPTION, Order.Kind.RENEWAL):
        _run_hooks(
            "SUBSCRIPTION_PAYMENT_REFUNDED_HOOKS",
            payment=payment,
            refund_key=f"refund:{refund.pk}",
            refunded_gross_cents=payment.refunded_cents,
            occurred_at=now,
        )
        if full:
            Subscription.objects.filter(pk=order.subscription_id).update(
                status=Subscription.Status.EXPIRED, current_period_end=now, cancelled_at=now
            )
    state = "refunded" if full else f"refunded in part ({payment.refunded_cents} of {payment.amount_cents} cents)"
    return Outcome(True, f"payment {payment.pk} {state}", order)
