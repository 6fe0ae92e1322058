"""Stripe: Checkout Sessions over the REST API (requests, not the SDK); webhooks signed in the
Stripe-Signature header (t=…,v1=… HMAC-SHA256 over "t.raw body", 300 s tolerance by default);
subscriptions; refunds."""

import hashlib
import hmac
import json
import time

from django.conf import settings

from payments.gateways.base import (
    CheckoutStart,
    EventKind,
    Gateway,
    GatewayError,
    GatewayEvent,
    RenewalRetry,
    WebhookRefused,
    header,
    http,
    json_or_error,
)

NAME = "Stripe"
INTERVAL = {"monthly": "month", "annual": "year"}


def signature_for(payload: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def verify_signature(payload: bytes, sig_header: str, secret: str, *, tolerance: int | None, now: float | None = None):
    """stripe-python's scheme: any v1 entry may match (key rotation); other schemes ignored;
    then the timestamp must be within `tolerance` seconds (None: not checked)."""
    timestamp, signatures = None, []
    for item in sig_header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    try:
        timestamp = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise WebhookRefused("The Stripe-Signature header has no timestamp.") from exc
    if not signatures:
        raise WebhookRefused("The Stripe-Signature header has no v1 signature.")
    expected = signature_for(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise WebhookRefused("The Stripe-Signature does not match.", "bad_signature")
    now = time.time() if now is None else now
    if tolerance and timestamp < now - tolerance:
        raise WebhookRefused("The Stripe event is too old (timestamp outside the tolerance).")


def flatten(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested keys as a[b][0][c]."""
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs.extend(flatten(value, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    pairs.extend(flatten(item, f"{name}[{index}]"))
                else:
                    pairs.append((f"{name}[{index}]", str(item)))
        elif value is not None:
            pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return pairs


class StripeGateway(Gateway):
    name = "stripe"
    label = "Stripe (international cards)"

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def _call(self, method: str, path: str, data: dict | None = None) -> dict:
        if not settings.STRIPE_SECRET_KEY:
            raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
        response = http(
            method,
            f"{settings.STRIPE_API_URL}{path}",
            gateway=NAME,
            auth=(settings.STRIPE_SECRET_KEY, ""),
            data=flatten(data or {}),
        )
        return json_or_error(response, gateway=NAME)

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        price_data = {
            "currency": order.currency.lower(),
            "unit_amount": order.total_cents,
            "product_data": {"name": order.description()[:250] or f"Order {order.pk}"},
        }
        params = {
            "mode": "subscription" if order.plan_id else "payment",
            "success_url": return_url,
            "cancel_url": cancel_url,
            "client_reference_id": str(order.reference),
            "customer_email": order.user.email,
            "metadata": {"order_reference": str(order.reference)},
            "line_items": [{"quantity": 1, "price_data": price_data}],
        }
        if order.plan_id:
            price_data["unit_amount"] = order.plan.price_cents
            price_data["recurring"] = {"interval": INTERVAL[order.plan.interval]}
            params["subscription_data"] = {"metadata": {"order_reference": str(order.reference)}}
        else:
            params["payment_intent_data"] = {"metadata": {"order_reference": str(order.reference)}}
        data = self._call("POST", "/v1/checkout/sessions", params)
        return CheckoutStart(redirect_url=data["url"], gateway_reference=data.get("id", ""))

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise WebhookRefused("Stripe is not configured.", "not_configured")
        verify_signature(
            body,
            header(headers, "Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
        )

    def parse_event(self, *, body, headers) -> GatewayEvent:
        try:
            payload = json.loads(body)
            obj = payload["data"]["object"]
            event_type = payload["type"]
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused("The event is not valid Stripe JSON.") from exc
        event = GatewayEvent(
            event_id=payload.get("id", ""),
            event_type=event_type,
            kind=EventKind.IGNORED,
            currency=(obj.get("currency") or "").upper(),
        )
        metadata = obj.get("metadata") or {}
        if event_type == "checkout.session.completed" and obj.get("payment_status") in ("paid", "no_payment_required"):
            event.kind = EventKind.PAYMENT_SUCCEEDED
            event.order_reference = obj.get("client_reference_id") or metadata.get("order_reference") or ""
            event.transaction_reference = obj.get("payment_intent") or obj.get("invoice") or obj.get("id") or ""
            event.amount_cents = obj.get("amount_total")
            event.subscription_reference = obj.get("subscription") or ""
        elif event_type in ("checkout.session.async_payment_failed", "checkout.session.expired"):
            event.kind = EventKind.PAYMENT_FAILED
            event.order_reference = obj.get("client_reference_id") or metadata.get("order_reference") or ""
        elif (
            event_type == "invoice.paid"
            and obj.get("subscription")
            and obj.get("billing_reason") == "subscription_cycle"
        ):
            event.kind = EventKind.SUBSCRIPTION_RENEWED
            event.subscription_reference = obj["subscription"]
            event.transaction_reference = obj.get("payment_intent") or obj.get("charge") or obj.get("id", "")
            event.amount_cents = obj.get("amount_paid")
            lines = (obj.get("lines") or {}).get("data") or []
            if lines:
                event.period_end_ts = (lines[0].get("period") or {}).get("end")
        elif event_type == "invoice.payment_failed" and obj.get("subscription"):
            event.kind = EventKind.SUBSCRIPTION_PAYMENT_FAILED
            event.subscription_reference = obj["subscription"]
            event.extra = {"failed_charge": obj.get("id", "")}  # the invoice a retry pays
        elif event_type == "customer.subscription.deleted":
            event.kind = EventKind.SUBSCRIPTION_CANCELLED
            event.subscription_reference = obj.get("id", "")
        elif event_type == "charge.refunded":
            event.kind = EventKind.REFUNDED
            event.transaction_reference = obj.get("payment_intent") or obj.get("id", "")
            event.amount_cents = obj.get("amount_refunded")
        return event

    def refund(self, *, payment, amount_cents, reason) -> str:
        key = "charge" if payment.gateway_reference.startswith("ch_") else "payment_intent"
        data = self._call(
            "POST",
            "/v1/refunds",
            {key: payment.gateway_reference, "amount": amount_cents, "metadata": {"reason": reason[:200]}},
        )
        return data.get("id", "")

    def retry_renewal(self, *, subscription) -> RenewalRetry:
        """Pay the failed invoice again now (POST /v1/invoices/:id/pay); Stripe's invoice.paid
        webhook then renews the subscription. A decline raises GatewayError."""
        invoice = subscription.failed_charge_reference
        if not invoice:
            return RenewalRetry(charged=None)
        data = self._call("POST", f"/v1/invoices/{invoice}/pay")
        return RenewalRetry(charged=data.get("status") == "paid")

    def cancel_subscription(self, *, subscription) -> None:
        if subscription.gateway_subscription_id:
            self._call(
                "POST", f"/v1/subscriptions/{subscription.gateway_subscription_id}", {"cancel_at_period_end": True}
            )
