"""A gateway that runs entirely on this site, for the demo and the tests: its checkout page
(/payments/sandbox/<order>/) pays or fails, then sends a signed event to the same webhook
service the real gateways use."""

import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from payments.gateways.base import (
    CheckoutStart,
    EventKind,
    Gateway,
    GatewayEvent,
    RenewalRetry,
    WebhookRefused,
    header,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"

TYPES = {
    "payment.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment.failed": EventKind.PAYMENT_FAILED,
    "subscription.renewed": EventKind.SUBSCRIPTION_RENEWED,
    "subscription.payment_failed": EventKind.SUBSCRIPTION_PAYMENT_FAILED,
    "subscription.cancelled": EventKind.SUBSCRIPTION_CANCELLED,
    "refund.processed": EventKind.REFUNDED,
}


def webhook_secret() -> str:
    """SANDBOX_WEBHOOK_SECRET, or one derived from SECRET_KEY when it is not set."""
    return settings.SANDBOX_WEBHOOK_SECRET or salted_hmac("payments.sandbox.webhook", "secret").hexdigest()


def sign(body: bytes) -> str:
    return hmac.new(webhook_secret().encode(), body, hashlib.sha256).hexdigest()


def build_event(
    *,
    event_type: str,
    order_reference: str = "",
    amount_cents: int | None = None,
    currency: str = "ZAR",
    transaction_reference: str = "",
    subscription_reference: str = "",
    period_end_ts: int | None = None,
    event_id: str = "",
) -> tuple[bytes, dict]:
    """A signed sandbox event: (raw body, headers)."""
    payload = {
        "id": event_id or f"evt_sbx_{uuid.uuid4().hex}",
        "type": event_type,
        "created": int(time.time()),
        "data": {
            "order": order_reference,
            "reference": transaction_reference or f"sbx_txn_{uuid.uuid4().hex[:16]}",
            "amount": amount_cents,
            "currency": currency,
            "subscription": subscription_reference,
            "period_end": period_end_ts,
        },
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    return body, {SIGNATURE_HEADER: sign(body)}


class SandboxGateway(Gateway):
    name = "sandbox"
    label = "Sandbox (test payments, no real money)"

    def is_configured(self) -> bool:
        return settings.PAYMENTS_SANDBOX_ENABLED

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        return CheckoutStart(
            redirect_url=reverse("payments:sandbox_checkout", args=[order.reference]),
            gateway_reference=f"sbx_chk_{order.reference.hex[:16]}",
        )

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        given = header(headers, SIGNATURE_HEADER)
        if not given or not hmac.compare_digest(given.lower(), sign(body)):
            raise WebhookRefused("The sandbox signature does not match.", "bad_signature")

    def parse_event(self, *, body, headers) -> GatewayEvent:
        try:
            payload = json.loads(body)
            data = payload["data"]
            event_type = payload["type"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused("The event is not valid sandbox JSON.") from exc
        return GatewayEvent(
            event_id=str(payload.get("id", "")),
            event_type=event_type,
            kind=TYPES.get(event_type, EventKind.IGNORED),
            order_reference=data.get("order") or "",
            transaction_reference=data.get("reference") or "",
            amount_cents=data.get("amount"),
            currency=(data.get("currency") or "").upper(),
            subscription_reference=data.get("subscription") or "",
            period_end_ts=data.get("period_end"),
        )

    def refund(self, *, payment, amount_cents, reason) -> str:
        return f"sbx_refund_{uuid.uuid4().hex[:16]}"

    def cancel_subscription(self, *, subscription) -> None:
        return None

    def retry_renewal(self, *, subscription) -> RenewalRetry:
        """The sandbox charges a retry when the subscriber 'updated their card' (its payment-method
        page) after the renewal failed, and declines it otherwise; either way a signed event."""
        updated = subscription.payment_method_updated_at
        charged = bool(updated and subscription.past_due_since and updated >= subscription.past_due_since)
        body, headers = build_event(
            event_type="subscription.renewed" if charged else "subscription.payment_failed",
            subscription_reference=subscription.gateway_subscription_id,
            amount_cents=subscription.plan.price_cents,
            currency=subscription.plan.currency,
        )
        return RenewalRetry(charged=charged, body=body, headers=headers)

    def payment_method_url(self, *, subscription, return_url) -> str:
        return reverse("payments:sandbox_payment_method")
