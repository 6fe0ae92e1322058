"""PayPal: Orders v2 over the REST API with an OAuth client-credentials token. Checkout creates
an order (intent CAPTURE, our reference as custom_id) and sends the customer to its
payer-action link; on their return (?token=<order id>) the order is captured, and the
PAYMENT.CAPTURE.COMPLETED webhook settles it too (whichever comes first; the other finds it
paid). Webhooks are verified as PayPal documents: the transmission id, time, signature, auth
algorithm and certificate URL headers (the URL must be PayPal's own, https on paypal.com)
are sent with the raw event to POST /v1/notifications/verify-webhook-signature, which must
answer SUCCESS. Refunds (full or partial) through POST /v2/payments/captures/:id/refund.
Docs: https://developer.paypal.com/docs/api/orders/v2/,
https://developer.paypal.com/api/rest/webhooks/rest/."""

import json
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from core.money import format_units
from payments.gateways.base import (
    CheckoutStart,
    EventKind,
    Gateway,
    GatewayError,
    GatewayEvent,
    WebhookRefused,
    header,
    http,
)

NAME = "PayPal"
TOKEN_CACHE_KEY = "payments:paypal:access-token"
TRANSMISSION_HEADERS = {
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "cert_url": "PAYPAL-CERT-URL",
    "auth_algo": "PAYPAL-AUTH-ALGO",
}


def cents_from(amount: dict) -> int | None:
    """{"currency_code": "USD", "value": "149.00"} → 14900."""
    try:
        return int((Decimal(str(amount["value"])) * 100).to_integral_value())
    except (KeyError, TypeError, InvalidOperation):
        return None


def cert_url_is_paypals(url: str) -> bool:
    """The certificate must come from PayPal itself (https, a paypal.com host), or anyone could
    sign events with a certificate of their own."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host == "paypal.com" or host.endswith(".paypal.com"))


def _error_message(response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason
    details = data.get("details") or [{}]
    return details[0].get("issue") or data.get("message") or data.get("error_description") or response.reason


class PaypalGateway(Gateway):
    name = "paypal"
    label = "PayPal"
    supports_subscriptions = False  # plans are sold through the other gateways

    def is_configured(self) -> bool:
        return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET and settings.PAYPAL_WEBHOOK_ID)

    def _token(self) -> str:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return token
        if not (settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET):
            raise GatewayError("PayPal is not configured (PAYPAL_CLIENT_ID / PAYPAL_CLIENT_SECRET are empty).")
        response = http(
            "POST",
            f"{settings.PAYPAL_API_URL}/v1/oauth2/token",
            gateway=NAME,
            auth=(settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET),
            data={"grant_type": "client_credentials"},
        )
        if response.status_code >= 400:
            raise GatewayError(f"{NAME} refused our credentials ({response.status_code}): {_error_message(response)}")
        data = response.json()
        # keep it a minute less than PayPal does
        cache.set(TOKEN_CACHE_KEY, data["access_token"], max(int(data.get("expires_in", 0)) - 60, 0) or None)
        return data["access_token"]

    def _call(self, method: str, path: str, payload: dict | None = None, *, request_id: str = "") -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self._token()}", "Prefer": "return=representation"}
        if request_id:  # PayPal's idempotency key: a retried POST does the work once
            headers["PayPal-Request-Id"] = request_id
        response = http(method, f"{settings.PAYPAL_API_URL}{path}", gateway=NAME, headers=headers, json=payload)
        if response.status_code == 401:
            cache.delete(TOKEN_CACHE_KEY)
        try:
            data = response.json() if response.content else {}
        except ValueError as exc:
            raise GatewayError(f"{NAME} answered {response.status_code} with a body that is not JSON.") from exc
        return response.status_code, data

    def _ok(self, method: str, path: str, payload: dict | None = None, *, request_id: str = "") -> dict:
        status, data = self._call(method, path, payload, request_id=request_id)
        if status >= 400:
            details = data.get("details") or [{}]
            issue = details[0].get("issue") or data.get("message") or data.get("name") or status
            raise GatewayError(f"{NAME} refused the request ({status}): {issue}")
        return data

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        reference = str(order.reference)
        data = self._ok(
            "POST",
            "/v2/checkout/orders",
            {
                "intent": "CAPTURE",
                "purchase_units": [
                    {
                        "reference_id": reference,
                        "custom_id": reference,
                        "invoice_id": reference,
                        "description": (order.description() or f"Order {order.pk}")[:127],
                        "amount": {"currency_code": order.currency, "value": format_units(order.total_cents)},
                    }
                ],
                "payment_source": {
                    "paypal": {
                        "experience_context": {
                            "return_url": return_url,
                            "cancel_url": cancel_url,
                            "user_action": "PAY_NOW",
                            "shipping_preference": "NO_SHIPPING",
                            "brand_name": "Lectern",
                        }
                    }
                },
            },
            request_id=f"create-{reference}",
        )
        link = next(
            (item["href"] for item in data.get("links", []) if item.get("rel") in ("payer-action", "approve")), ""
        )
        if not link:
            raise GatewayError(f"{NAME} created order {data.get('id')} without a link for the payer.")
        return CheckoutStart(redirect_url=link, gateway_reference=data.get("id", ""))

    def verify_transaction(self, *, reference: str) -> GatewayEvent | None:
        """The customer came back from approving order `reference`: capture it (once: PayPal
        answers ORDER_ALREADY_CAPTURED to a second try, and the capture is read instead)."""
        status, data = self._call(
            "POST", f"/v2/checkout/orders/{reference}/capture", {}, request_id=f"capture-{reference}"
        )
        if status == 422:
            data = self._ok("GET", f"/v2/checkout/orders/{reference}")
        elif status >= 400:
            raise GatewayError(f"{NAME} could not capture the payment ({status}): {data.get('message') or status}")
        units = data.get("purchase_units") or [{}]
        captures = ((units[0].get("payments") or {}).get("captures")) or []
        capture = next((item for item in captures if item.get("status") == "COMPLETED"), None)
        if capture is None:
            return None
        return GatewayEvent(
            event_id=f"capture:{capture['id']}",
            event_type="order.capture",
            kind=EventKind.PAYMENT_SUCCEEDED,
            order_reference=capture.get("custom_id") or units[0].get("custom_id") or units[0].get("reference_id", ""),
            transaction_reference=capture["id"],
            amount_cents=cents_from(capture.get("amount") or {}),
            currency=((capture.get("amount") or {}).get("currency_code") or "").upper(),
        )

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        if not settings.PAYPAL_WEBHOOK_ID:
            raise WebhookRefused("PayPal is not configured.", "not_configured")
        fields = {key: header(headers, name) for key, name in TRANSMISSION_HEADERS.items()}
        missing = [TRANSMISSION_HEADERS[key] for key, value in fields.items() if not value]
        if missing:
            raise WebhookRefused(f"The PayPal delivery lacks {', '.join(missing)}.", "bad_signature")
        if not cert_url_is_paypals(fields["cert_url"]):
            raise WebhookRefused("The PayPal certificate URL is not on paypal.com.", "bad_signature")
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise WebhookRefused("The event is not valid PayPal JSON.") from exc
        try:
            answer = self._ok(
                "POST",
                "/v1/notifications/verify-webhook-signature",
                {**fields, "webhook_id": settings.PAYPAL_WEBHOOK_ID, "webhook_event": event},
            )
        except GatewayError as exc:
            raise WebhookRefused(f"PayPal could not verify the delivery: {exc}", "bad_signature") from exc
        if answer.get("verification_status") != "SUCCESS":
            raise WebhookRefused("PayPal says the signature does not verify.", "bad_signature")

    def parse_event(self, *, body, headers) -> GatewayEvent:
        try:
            payload = json.loads(body)
            event_type = payload["event_type"]
            resource = payload.get("resource") or {}
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRefused("The event is not valid PayPal JSON.") from exc
        event = GatewayEvent(event_id=payload.get("id", ""), event_type=event_type, kind=EventKind.IGNORED)
        amount = resource.get("amount") or {}
        if event_type == "PAYMENT.CAPTURE.COMPLETED" and resource.get("status") == "COMPLETED":
            event.kind = EventKind.PAYMENT_SUCCEEDED
            event.order_reference = resource.get("custom_id") or resource.get("invoice_id") or ""
            event.transaction_reference = resource.get("id", "")
            event.amount_cents = cents_from(amount)
            event.currency = (amount.get("currency_code") or "").upper()
        elif event_type in ("PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"):
            event.kind = EventKind.PAYMENT_FAILED
            event.order_reference = resource.get("custom_id") or resource.get("invoice_id") or ""
        elif event_type == "PAYMENT.CAPTURE.REFUNDED":
            # the resource is the refund; its "up" link names the capture it refunds
            up = next((item["href"] for item in resource.get("links", []) if item.get("rel") == "up"), "")
            event.kind = EventKind.REFUNDED
            event.transaction_reference = up.rstrip("/").rsplit("/", 1)[-1] if up else ""
            event.amount_cents = cents_from(amount)
            event.currency = (amount.get("currency_code") or "").upper()
            event.extra = {"refund_id": resource.get("id", "")}
        return event

    def refund(self, *, payment, amount_cents, reason) -> str:
        data = self._ok(
            "POST",
            f"/v2/payments/captures/{payment.gateway_reference}/refund",
            {
                "amount": {"value": format_units(amount_cents), "currency_code": payment.currency},
                "note_to_payer": reason[:255],
            },
            request_id=f"refund-{payment.pk}-{payment.refunded_cents}-{amount_cents}",
        )
        return data.get("id", "")

    def cancel_subscription(self, *, subscription) -> None:
        return None  # no PayPal subscriptions are sold
