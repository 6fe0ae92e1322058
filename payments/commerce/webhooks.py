"""The one webhook service every gateway's endpoint calls.

1. The signature (and, for PayFast, the source address) is checked first; a bad one is
   refused and logged, and nothing is stored.
2. The raw event is stored under a unique (gateway, event id): a duplicate finds the row.
3. The event is applied in one transaction with the event row and the order (or
   subscription, or payment) row locked; a row already applied, ignored or refused is not
   applied again. Duplicates, replays and concurrent twins therefore change nothing.
   For a gateway that needs no server-to-server confirmation (all but PayFast), storing and
   applying are one transaction: the event row's INSERT is its lock (a concurrent twin's
   INSERT waits on the unique key until the first commits, then finds the row applied), and a
   failure rolls the row back with the rest, so the gateway's retry starts afresh; a refusal
   rolls it back too, and the row is then stored as refused on its own. PayFast's
   event is stored and committed first, confirmed over the network, then applied.
Unknown event types are stored, acknowledged (200) and ignored."""

import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.prepared_writes import PreparedInsert, PreparedUpdate, row_fields
from payments.commerce.dunning import subscription_mark_past_due
from payments.commerce.settlement import (
    NoSuchOrder,
    Outcome,
    Refused,
    order_fail,
    order_settle,
    refund_apply,
    subscription_for,
    subscription_link,
    subscription_renew,
)
from payments.commerce.subscriptions import subscription_mark_cancelled
from payments.gateways import EventKind, Gateway, GatewayError, GatewayEvent, WebhookRefused, get_gateway
from payments.models import Payment, WebhookEvent

logger = logging.getLogger("payments.commerce.webhooks")


# The reply a gateway gets for a refused delivery, by the refusal's code (gateways.WebhookRefused):
# 401 a bad signature, 403 a sender that is not the gateway, 503 not configured here (the
# gateway retries later), 400 anything else. The webhook protocol's own statuses, not the API's.
REFUSAL_REPLY = {"bad_signature": 401, "not_from_gateway": 403, "not_configured": 503}


def _refusal_reply(refusal: WebhookRefused) -> int:
    return REFUSAL_REPLY.get(refusal.code, 400)


@dataclass
class WebhookResult:
    status: int
    detail: str
    event: WebhookEvent | None = None


def webhook_receive(*, gateway_name: str, body: bytes, headers, remote_addr: str = "") -> WebhookResult:
    """Verify, store and apply one delivery; the result's status is the HTTP reply."""
    try:
        gateway = get_gateway(gateway_name)
    except GatewayError:
        return WebhookResult(404, "Unknown gateway.")
    if not gateway.is_configured():
        return WebhookResult(503, f"{gateway.name} is not configured on this site.")
    try:
        gateway.verify_webhook(body=body, headers=headers, remote_addr=remote_addr)
        event = gateway.parse_event(body=body, headers=headers)
    except WebhookRefused as exc:
        logger.warning("%s webhook refused from %s: %s", gateway_name, remote_addr, exc)
        return WebhookResult(_refusal_reply(exc), str(exc))
    if not event.event_id:
        return WebhookResult(400, "The event has no id.")
    return event_record_and_apply(gateway=gateway, event=event, body=body)


def event_record_and_apply(*, gateway: Gateway, event: GatewayEvent, body: bytes) -> WebhookResult:
    if event.kind != EventKind.IGNORED and not gateway.confirms_events:
        applied = _store_and_apply(gateway=gateway, event=event, body=body)
        if applied is not None:
            return applied
        # The event was stored before: a duplicate, or a delivery whose apply never finished.
    stored = _store(gateway=gateway.name, event=event, body=body)
    if stored.status != WebhookEvent.Status.RECEIVED:
        return _reply_for(stored, duplicate=True)
    if event.kind == EventKind.IGNORED:
        WebhookEvent.objects.filter(pk=stored.pk, status=WebhookEvent.Status.RECEIVED).update(
            status=WebhookEvent.Status.IGNORED, processed_at=timezone.now(), message="event type not used"
        )
        return WebhookResult(200, f"Ignored {event.event_type}.", stored)
    try:
        gateway.confirm_event(event=event, body=body)
    except GatewayError as exc:  # the gateway could not be asked: leave it for the retry
        logger.warning("%s event %s not confirmed yet: %s", gateway.name, event.event_id, exc)
        return WebhookResult(503, str(exc), stored)
    except WebhookRefused as exc:
        _finish(stored.pk, WebhookEvent.Status.REFUSED, str(exc))
        logger.warning("%s event %s refused: %s", gateway.name, event.event_id, exc)
        return WebhookResult(_refusal_reply(exc), str(exc), stored)
    with transaction.atomic():
        locked = WebhookEvent.objects.select_for_update().get(pk=stored.pk)
        if locked.status != WebhookEvent.Status.RECEIVED:  # a concurrent twin got here first
            return _reply_for(locked, duplicate=True)
        return _apply_and_finish(gateway=gateway, event=event, row=locked)


def _apply_and_finish(*, gateway: Gateway, event: GatewayEvent, row: WebhookEvent) -> WebhookResult:
    """Apply a stored event inside the caller's transaction and mark its row: a refusal undoes
    the apply (savepoint) and the row records why; otherwise the row is marked applied."""
    try:
        with transaction.atomic():
            outcome = _apply(gateway=gateway.name, event=event)
    except Refused as exc:
        logger.error("%s event %s refused: %s", gateway.name, event.event_id, exc)
        _finish(row.pk, WebhookEvent.Status.REFUSED, str(exc))
        return WebhookResult(400, f"Refused: {exc}.", row)
    _finish(row.pk, WebhookEvent.Status.APPLIED, outcome.message, order=outcome.order)
    return WebhookResult(200, outcome.message, row)


def _store_and_apply(*, gateway: Gateway, event: GatewayEvent, body: bytes) -> WebhookResult | None:
    """Store a new event and apply it in one transaction; None (nothing written) when a row of
    that (gateway, event id) exists, which the caller then handles as a stored event. No
    savepoint around the apply: a refusal rolls the whole transaction back, event row included,
    and the row is then stored as refused in a transaction of its own."""
    stored = None
    try:
        with transaction.atomic():
            stored = _event_insert.insert(
                WebhookEvent(
                    gateway=gateway.name,
                    event_id=event.event_id[:255],
                    event_type=event.event_type[:100],
                    body=body.decode("utf-8", errors="replace"),
                )
            )
            outcome = _apply(gateway=gateway.name, event=event)
            _finish(stored.pk, WebhookEvent.Status.APPLIED, outcome.message, order=outcome.order)
            return WebhookResult(200, outcome.message, stored)
    except IntegrityError:
        if stored is not None:  # not the event's unique key: an error of the apply
            raise
        return None
    except Refused as exc:
        logger.error("%s event %s refused: %s", gateway.name, event.event_id, exc)
        row = _store(gateway=gateway.name, event=event, body=body)
        if row.status != WebhookEvent.Status.RECEIVED:  # a twin stored it meanwhile
            return _reply_for(row, duplicate=True)
        _finish(row.pk, WebhookEvent.Status.REFUSED, str(exc))
        return WebhookResult(400, f"Refused: {exc}.", row)


def _store(*, gateway: str, event: GatewayEvent, body: bytes) -> WebhookEvent:
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                gateway=gateway,
                event_id=event.event_id[:255],
                event_type=event.event_type[:100],
                body=body.decode("utf-8", errors="replace"),
            )
    except IntegrityError:
        WebhookEvent.objects.filter(gateway=gateway, event_id=event.event_id[:255]).update(
            deliveries=F("deliveries") + 1
        )
        return WebhookEvent.objects.get(gateway=gateway, event_id=event.event_id[:255])


# The writes of every delivery, built once per process (core/prepared_writes.py): the event's
# row, and its outcome (with the order it applied to, when there is one).
_event_insert = PreparedInsert(WebhookEvent, row_fields(WebhookEvent))
_event_finish = PreparedUpdate(WebhookEvent, ("status", "message", "processed_at"))
_event_finish_with_order = PreparedUpdate(WebhookEvent, ("status", "message", "processed_at", "order"))


def _finish(pk: int, status: str, message: str, order=None) -> None:
    if order is None:
        _event_finish.update(pk, status, message[:500], timezone.now())
    else:
        _event_finish_with_order.update(pk, status, message[:500], timezone.now(), order.pk)


def _reply_for(stored: WebhookEvent, *, duplicate: bool) -> WebhookResult:
    if stored.status == WebhookEvent.Status.REFUSED:
        return WebhookResult(400, f"Refused earlier: {stored.message}", stored)
    return WebhookResult(200, "Already received.", stored)


def _apply(*, gateway: str, event: GatewayEvent) -> Outcome:
    kind = event.kind
    if kind == EventKind.PAYMENT_SUCCEEDED:
        if event.order_reference and _is_uuid(event.order_reference):
            try:  # one query finds and locks the order; none with that reference: maybe a plan's charge
                return order_settle(
                    order_reference=event.order_reference,
                    gateway=gateway,
                    transaction_reference=event.transaction_reference,
                    amount_cents=event.amount_cents,
                    currency=event.currency,
                    subscription_reference=event.subscription_reference,
                    period_end_ts=event.period_end_ts,
                )
            except NoSuchOrder:
                pass
        if event.plan_code or event.subscription_reference:  # PayStack charges a plan under its own reference
            return subscription_renew(
                gateway=gateway,
                subscription_reference=event.subscription_reference,
                transaction_reference=event.transaction_reference,
                amount_cents=event.amount_cents,
                currency=event.currency,
                customer_email=event.customer_email,
                plan_code=event.plan_code,
            )
        raise Refused(f"no order with reference {event.order_reference!r}")
    if kind == EventKind.PAYMENT_FAILED:
        return order_fail(order_reference=event.order_reference, gateway=gateway, reason=event.event_type)
    if kind == EventKind.SUBSCRIPTION_RENEWED:
        return subscription_renew(
            gateway=gateway,
            subscription_reference=event.subscription_reference,
            transaction_reference=event.transaction_reference,
            amount_cents=event.amount_cents,
            currency=event.currency,
            period_end_ts=event.period_end_ts,
        )
    if kind == EventKind.SUBSCRIPTION_CREATED:
        return subscription_link(
            gateway=gateway,
            subscription_reference=event.subscription_reference,
            customer_email=event.customer_email,
            plan_code=event.plan_code,
        )
    if kind in (EventKind.SUBSCRIPTION_PAYMENT_FAILED, EventKind.SUBSCRIPTION_CANCELLED):
        subscription = subscription_for(
            gateway=gateway,
            subscription_reference=event.subscription_reference,
            customer_email=event.customer_email,
            plan_code=event.plan_code,
        )
        if subscription is None:
            return Outcome(False, f"no subscription {event.subscription_reference!r}; nothing to do")
        if kind == EventKind.SUBSCRIPTION_PAYMENT_FAILED:
            subscription = subscription_mark_past_due(
                subscription=subscription, failed_charge=(event.extra or {}).get("failed_charge", "")
            )
        else:
            subscription = subscription_mark_cancelled(subscription=subscription)
        return Outcome(True, f"subscription {subscription.pk} is {subscription.status}")
    if kind == EventKind.REFUNDED:
        payment = Payment.objects.filter(gateway=gateway, gateway_reference=event.transaction_reference).first()
        if payment is None:
            return Outcome(False, f"no payment {event.transaction_reference!r}; nothing to do")
        refund_id = (event.extra or {}).get("refund_id", "")
        if refund_id and event.amount_cents:
            # The event names one refund and its own amount (PayPal, Razorpay): apply it, in part
            # if need be, once; a refund we started ourselves is already recorded under this id.
            return refund_apply(
                payment_id=payment.pk,
                refund_reference=refund_id,
                reason="refunded at the gateway",
                amount_cents=event.amount_cents,
            )
        if event.amount_cents is not None and event.amount_cents < payment.amount_cents:
            return Outcome(False, f"partial refund of {event.amount_cents} recorded at the gateway only")
        return refund_apply(payment_id=payment.pk, refund_reference=event.event_id, reason="refunded at the gateway")
    return Outcome(False, "nothing to do")


def _is_uuid(reference: str) -> bool:
    try:
        uuid.UUID(str(reference))
    except ValueError:
        return False
    return True
