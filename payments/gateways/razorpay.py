"""Razorpay: an Order created over the REST API (basic auth key id : key secret), paid on
Razorpay's hosted Checkout (a form posted to /v1/checkout/embedded, no script on our pages),
which posts the customer back with razorpay_payment_id, razorpay_order_id and
razorpay_signature = hex HMAC-SHA256(key secret, "order_id|payment_id"). Webhooks carry
X-Razorpay-Signature = hex HMAC-SHA256(webhook secret, raw body) and X-Razorpay-Event-Id.
Refunds (full or partial) through POST /v1/payments/:id/refund. Amounts are in the currency's
smallest unit, as ours are. Docs: https://razorpay.com/docs/api/orders/,
https://razorpay.com/docs/payments/payment-gateway/web-integration/hosted/,
https://razorpay.com/docs/webhooks/validate-test/."""

import hashlib
import hmac
import json

from django.conf import settings

from payments.gateways.base import (
    CheckoutStart,
    EventKind,
    Gateway,
    GatewayError,
    GatewayEvent,
    WebhookRefused,
    header,
    http,
    json_or_error,
)

NAME = "Razorpay"
SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def payment_signature(*, order_id: str, payment_id: str, secret: str) -> str:
    """The signature Checkout hands back: HMAC-SHA256 of "order_id|payment_id" with the key secret."""
    return hmac_hex(secret, f"{order_id}|{payment_id}".encode())


class RazorpayGateway(Gateway):
    name = "razorpay"
    label = "Razorpay (cards, UPI, netbanking)"
    supports_subscriptions = False  # plans are sold through the other gateways
    checkout_posts_form = True

    def is_configured(self) -> bool:
        return bool(settings.RAZORPAY_KEY_ID and settings.RAZORPAY_KEY_SECRET and settings.RAZORPAY_WEBHOOK_SECRET)

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        if not (settings.RAZORPAY_KEY_ID and settings.RAZORPAY_KEY_SECRET):
            raise GatewayError("Razorpay is not configured (RAZORPAY_KEY_ID / RAZORPAY_KEY_SECRET are empty).")
        response = http(
            method,
            f"{settings.RAZORPAY_API_URL}{path}",
            gateway=NAME,
            auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET),
            json=payload,
        )
        data = json_or_error_razorpay(response)
        return data

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        reference = str(order.reference)
        created = self._call(
            "POST",
            "/v1/orders",
            {
                "amount": order.total_cents,
                "currency": order.currency,
                "receipt": reference,
                "notes": {"order_reference": reference},
            },
        )
        callback = f"{return_url.split('?')[0]}razorpay/"  # payments:razorpay_callback
        fields = [
            ("key_id", settings.RAZORPAY_KEY_ID),
            ("order_id", created["id"]),
            ("amount", str(order.total_cents)),
            ("currency", order.currency),
            ("name", "Lectern"),
            ("description", order.description()[:255] or f"Order {order.pk}"),
            ("prefill[email]", order.user.email),
            ("notes[order_reference]", reference),
            ("callback_url", callback),
            ("cancel_url", cancel_url),
        ]
        return CheckoutStart(
            form_action=f"{settings.RAZORPAY_API_URL}/v1/checkout/embedded",
            form_fields=fields,
            gateway_reference=created["id"],
        )

    def verify_payment_signature(self, *, order_id: str, payment_id: str, signature: str) -> None:
        """Checkout's callback: refuse unless the signature is Razorpay's for this order and payment."""
        if not (order_id and payment_id and signature):
            raise WebhookRefused("The Razorpay callback is missing its ids or signature.")
        expected = payment_signature(order_id=order_id, payment_id=payment_id, secret=settings.RAZORPAY_KEY_SECRET)
        if not hmac.compare_digest(expected, signature.strip().lower()):
            raise WebhookRefused("The Razorpay payment signature does not match.", "bad_signature")

    def verify_transaction(self, *, reference: str) -> GatewayEvent | None:
        """After a verified callback: what Razorpay says about the payment (GET /v1/payments/:id)."""
        data = self._call("GET", f"/v1/payments/{reference}")
        if data.get("status") != "captured":
            return None
        return GatewayEvent(
            event_id=f"callback:{data['id']}",
            event_type="checkout.callback",
            kind=EventKind.PAYMENT_SUCCEEDED,
            order_reference=(data.get("notes") or {}).get("order_reference") or "",
            transaction_reference=data["id"],
            amount_cents=data.get("amount"),
            currency=(data.get("currency") or "").upper(),
        )

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        if not settings.RAZORPAY_WEBHOOK_SECRET:
            raise WebhookRefused("Razorpay is not configured.", "not_configured")
        given = header(headers, SIGNATURE_HEADER)
        if not given or not hmac.compare_digest(hmac_hex(settings.RAZORPAY_WEBHOOK_SECRET, body), given.strip()):
            raise WebhookRefused("The X-Razorpay-Signature does not match.", "bad_signature")

    def parse_event(self, *, body, headers) -> GatewayEvent:
        try:
            payload = json.loads(body)
            event_type = payload["event"]
            entities = payload.get("payload") or {}
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused("The event is not valid Razorpay JSON.") from exc
        payment = (entities.get("payment") or {}).get("entity") or {}
        order = (entities.get("order") or {}).get("entity") or {}
        refund = (entities.get("refund") or {}).get("entity") or {}
        # Razorpay's own id of the delivery; the same event re-sent keeps it.
        event_id = header(headers, EVENT_ID_HEADER) or f"{event_type}:{payment.get('id') or refund.get('id', '')}"
        event = GatewayEvent(event_id=event_id, event_type=event_type, kind=EventKind.IGNORED)
        reference = (payment.get("notes") or {}).get("order_reference") or order.get("receipt") or ""
        if isinstance(payment.get("notes"), list):  # Razorpay sends empty notes as []
            reference = order.get("receipt") or ""
        if event_type in ("payment.captured", "order.paid") and payment.get("status") == "captured":
            event.kind = EventKind.PAYMENT_SUCCEEDED
            event.order_reference = reference
            event.transaction_reference = payment.get("id", "")
            event.amount_cents = payment.get("amount")
            event.currency = (payment.get("currency") or "").upper()
        elif event_type == "payment.failed":
            event.kind = EventKind.PAYMENT_FAILED
            event.order_reference = reference
        elif event_type == "refund.processed":
            event.kind = EventKind.REFUNDED
            event.transaction_reference = refund.get("payment_id") or payment.get("id", "")
            event.amount_cents = refund.get("amount")
            event.currency = (refund.get("currency") or "").upper()
            event.extra = {"refund_id": refund.get("id", "")}
        return event

    def refund(self, *, payment, amount_cents, reason) -> str:
        data = self._call(
            "POST",
            f"/v1/payments/{payment.gateway_reference}/refund",
            {"amount": amount_cents, "notes": {"reason": reason[:200]}},
        )
        return data.get("id", "")

    def cancel_subscription(self, *, subscription) -> None:
        return None  # no Razorpay subscriptions are sold


def json_or_error_razorpay(response) -> dict:
    """Razorpay's errors are {"error": {"code", "description"}}."""
    if response.status_code >= 400:
        try:
            error = (response.json().get("error") or {}).get("description") or response.reason
        except ValueError:
            error = response.reason
        raise GatewayError(f"{NAME} refused the request ({response.status_code}): {error}")
    return json_or_error(response, gateway=NAME)
