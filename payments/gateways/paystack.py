"""PayStack: initialize a transaction and redirect; verify on return; webhooks signed with
x-paystack-signature = hex HMAC-SHA512(secret key, RAW body); refunds; plans for subscriptions."""

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

NAME = "PayStack"


def signature_for(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


class PaystackGateway(Gateway):
    name = "paystack"
    label = "PayStack (card, EFT)"

    @property
    def secret(self) -> str:
        return settings.PAYSTACK_SECRET_KEY

    def is_configured(self) -> bool:
        return bool(self.secret)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        if not self.secret:
            raise GatewayError("PayStack is not configured (PAYSTACK_SECRET_KEY is empty).")
        response = http(
            method,
            f"{settings.PAYSTACK_API_URL}{path}",
            gateway=NAME,
            headers={"Authorization": f"Bearer {self.secret}"},
            **kwargs,
        )
        data = json_or_error(response, gateway=NAME)
        if not data.get("status"):
            raise GatewayError(f"PayStack refused the request: {data.get('message', 'no reason given')}")
        return data.get("data") or {}

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        payload = {
            "email": order.user.email,
            "amount": order.total_cents,
            "currency": order.currency,
            "reference": str(order.reference),
            "callback_url": return_url,
            "metadata": {"order_id": order.pk, "cancel_action": cancel_url},
        }
        if order.plan_id:
            plan_code = (order.plan.gateway_plan_codes or {}).get("paystack")
            if not plan_code:
                raise GatewayError("This plan has no PayStack plan code; an admin must add it.")
            payload["plan"] = plan_code
        data = self._call("POST", "/transaction/initialize", json=payload)
        return CheckoutStart(redirect_url=data["authorization_url"], gateway_reference=data.get("reference", ""))

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        given = header(headers, "x-paystack-signature")
        if not self.secret:
            raise WebhookRefused("PayStack is not configured.", "not_configured")
        if not given or not hmac.compare_digest(given.lower(), signature_for(body, self.secret)):
            raise WebhookRefused("The x-paystack-signature does not match.", "bad_signature")

    def parse_event(self, *, body, headers) -> GatewayEvent:
        try:
            payload = json.loads(body)
            event_type = payload["event"]
            data = payload.get("data") or {}
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused("The event is not valid PayStack JSON.") from exc
        reference = str(data.get("reference") or data.get("transaction_reference") or "")
        # A transaction's id is unique; other objects (subscriptions, invoices) raise several
        # event types under one id, so those are keyed by id (or reference) and event name.
        if event_type == "charge.success" and data.get("id"):
            event_id = str(data["id"])
        else:
            key = data.get("id") or reference or data.get("subscription_code") or data.get("invoice_code") or ""
            event_id = f"{key}:{event_type}"
        customer = data.get("customer") or {}
        plan = data.get("plan") or {}
        subscription = data.get("subscription") or {}
        event = GatewayEvent(
            event_id=event_id,
            event_type=event_type,
            kind=EventKind.IGNORED,
            transaction_reference=reference,
            customer_email=customer.get("email") or "",
            plan_code=plan.get("plan_code") or "",
            subscription_reference=data.get("subscription_code") or subscription.get("subscription_code") or "",
        )
        if event_type == "charge.success" and data.get("status") == "success":
            event.kind = EventKind.PAYMENT_SUCCEEDED
            event.order_reference = reference
            event.amount_cents = int(data.get("amount") or 0)
            event.currency = (data.get("currency") or "").upper()
        elif event_type == "subscription.create":
            event.kind = EventKind.SUBSCRIPTION_CREATED
        elif event_type in ("subscription.disable", "subscription.not_renew"):
            event.kind = EventKind.SUBSCRIPTION_CANCELLED
        elif event_type == "invoice.payment_failed":
            event.kind = EventKind.SUBSCRIPTION_PAYMENT_FAILED
        elif event_type == "refund.processed":
            event.kind = EventKind.REFUNDED
            event.amount_cents = int(data.get("amount") or 0) or None
            event.currency = (data.get("currency") or "").upper()
        return event

    def verify_transaction(self, *, reference: str) -> GatewayEvent | None:
        data = self._call("GET", f"/transaction/verify/{reference}")
        if data.get("status") != "success":
            return None
        return GatewayEvent(
            event_id=f"verify:{data.get('id') or reference}",
            event_type="transaction.verify",
            kind=EventKind.PAYMENT_SUCCEEDED,
            order_reference=data.get("reference") or reference,
            transaction_reference=data.get("reference") or reference,
            amount_cents=int(data.get("amount") or 0),
            currency=(data.get("currency") or "").upper(),
        )

    def refund(self, *, payment, amount_cents, reason) -> str:
        data = self._call(
            "POST",
            "/refund",
            json={
                "transaction": payment.gateway_reference,
                "amount": amount_cents,
                "merchant_note": reason[:200],
            },
        )
        return str(data.get("id") or (data.get("transaction") or {}).get("reference") or "")

    def cancel_subscription(self, *, subscription) -> None:
        code = subscription.gateway_subscription_id
        if not code:
            return
        details = self._call("GET", f"/subscription/{code}")
        self._call("POST", "/subscription/disable", json={"code": code, "token": details.get("email_token", "")})

    def payment_method_url(self, *, subscription, return_url) -> str:
        """PayStack's hosted page where a subscriber changes the card of a subscription
        (GET /subscription/:code/manage/link)."""
        code = subscription.gateway_subscription_id
        if not code:
            return ""
        return str(self._call("GET", f"/subscription/{code}/manage/link").get("link") or "")
