"""Refunds started by an admin, in full or in part: the gateway gives the money back, then
the ledger is reversed in proportion (PAYMENT_REFUNDED_HOOKS), access revoked when the whole
payment is back, and the action logged."""

from django.db import transaction
from wagtail.log_actions import log

from core.money import format_money
from payments.commerce.settlement import Outcome, refund_apply
from payments.errors import PaymentError
from payments.gateways import GatewayError, get_gateway
from payments.models import Payment

LOG_ACTION = "lectern.payment.refunded"


REFUNDABLE = (Payment.Status.SETTLED, Payment.Status.PARTIALLY_REFUNDED)


def payment_refund(*, payment: Payment, user, reason: str, amount_cents: int | None = None) -> Outcome:
    """Refund a settled payment in full (`amount_cents` None: all that is left) or in part.
    The payment is marked 'refunding' first, so two admins pressing the button at once cause
    one gateway refund."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status not in REFUNDABLE:
            raise PaymentError(
                f"This payment is {locked.get_status_display().lower()}; it cannot be refunded.", "not_refundable"
            )
        remaining = locked.amount_cents - locked.refunded_cents
        amount = remaining if amount_cents is None else amount_cents
        if not 0 < amount <= remaining:
            raise PaymentError(
                f"Refund between 0.01 and {format_money(remaining, locked.currency)} (what is left of this payment).",
                "invalid_amount",
            )
        previous_status = locked.status
        locked.status = Payment.Status.REFUNDING
        locked.save(update_fields=["status"])
    try:
        refund_reference = get_gateway(locked.gateway).refund(payment=locked, amount_cents=amount, reason=reason)
    except GatewayError as exc:
        Payment.objects.filter(pk=locked.pk, status=Payment.Status.REFUNDING).update(status=previous_status)
        raise PaymentError(str(exc), "gateway_error") from exc
    with transaction.atomic():
        Payment.objects.filter(pk=locked.pk, status=Payment.Status.REFUNDING).update(status=previous_status)
        outcome = refund_apply(
            payment_id=locked.pk, refund_reference=refund_reference, reason=reason, user=user, amount_cents=amount
        )
        log(
            instance=locked,
            action=LOG_ACTION,
            user=user,
            data={
                "order": locked.order_id,
                "amount_cents": amount,
                "refunded_cents": locked.amount_cents - remaining + amount,
                "currency": locked.currency,
                "gateway": locked.gateway,
                "refund_reference": refund_reference,
                "reason": reason,
            },
        )
    return outcome
