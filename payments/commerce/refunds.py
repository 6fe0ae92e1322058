"""Refunds started by an admin: the gateway gives the money back, then access is revoked,
the ledger reversed (PAYMENT_REFUNDED_HOOKS) and the action logged."""

from django.db import transaction
from wagtail.log_actions import log

from payments.commerce.settlement import Outcome, refund_apply
from payments.errors import PaymentError
from payments.gateways import GatewayError, get_gateway
from payments.models import Payment

LOG_ACTION = "lectern.payment.refunded"


def payment_refund(*, payment: Payment, user, reason: str) -> Outcome:
    """Refund a settled payment in full. The payment is marked 'refunding' first, so two
    admins pressing the button at once cause one gateway refund."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.SETTLED:
            raise PaymentError(
                f"This payment is {locked.get_status_display().lower()}; it cannot be refunded.", "not_refundable"
            )
        locked.status = Payment.Status.REFUNDING
        locked.save(update_fields=["status"])
    try:
        refund_reference = get_gateway(locked.gateway).refund(
            payment=locked, amount_cents=locked.amount_cents, reason=reason
        )
    except GatewayError as exc:
        Payment.objects.filter(pk=locked.pk, status=Payment.Status.REFUNDING).update(status=Payment.Status.SETTLED)
        raise PaymentError(str(exc), "gateway_error") from exc
    with transaction.atomic():
        outcome = refund_apply(payment_id=locked.pk, refund_reference=refund_reference, reason=reason, user=user)
        log(
            instance=locked,
            action=LOG_ACTION,
            user=user,
            data={
                "order": locked.order_id,
                "amount_cents": locked.amount_cents,
                "currency": locked.currency,
                "gateway": locked.gateway,
                "refund_reference": refund_reference,
                "reason": reason,
            },
        )
    return outcome
