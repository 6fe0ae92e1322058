"""PayFast: a signed form posted to PayFast; ITN (instant transaction notification) checked
four ways (signature with passphrase, amount, server-to-server validation, source address);
recurring billing (subscription_type=1) with a token in the ITN; refunds and cancellations
through the signed REST API."""

import hashlib
import ipaddress
import logging
import socket
import time
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, quote_plus

from django.conf import settings
from django.utils import timezone

from core.money import format_units
from payments.gateways.base import CheckoutStart, EventKind, Gateway, GatewayError, GatewayEvent, WebhookRefused, http

logger = logging.getLogger("payments.gateways")
NAME = "PayFast"
API_URL = "https://api.payfast.co.za"

# The checkout form's fields, in the order PayFast documents (the signature follows it).
CHECKOUT_FIELD_ORDER = [
    "merchant_id",
    "merchant_key",
    "return_url",
    "cancel_url",
    "notify_url",
    "name_first",
    "name_last",
    "email_address",
    "cell_number",
    "m_payment_id",
    "amount",
    "item_name",
    "item_description",
    "custom_int1",
    "custom_int2",
    "custom_int3",
    "custom_int4",
    "custom_int5",
    "custom_str1",
    "custom_str2",
    "custom_str3",
    "custom_str4",
    "custom_str5",
    "email_confirmation",
    "confirmation_address",
    "payment_method",
    "subscription_type",
    "billing_date",
    "recurring_amount",
    "frequency",
    "cycles",
]
FREQUENCY = {"monthly": "3", "annual": "6"}


def php_urlencode(value: str) -> str:
    """PHP's urlencode: space → '+', uppercase %XX, only A–Z a–z 0–9 - _ . left bare."""
    return quote_plus(value, safe="").replace("~", "%7E")


def param_string(pairs: list[tuple[str, str]], *, passphrase: str = "", skip_empty: bool = False) -> str:
    parts = [
        f"{key}={php_urlencode(value.strip() if skip_empty else value)}"
        for key, value in pairs
        if not (skip_empty and value.strip() == "")
    ]
    if passphrase:
        parts.append(f"passphrase={php_urlencode(passphrase)}")
    return "&".join(parts)


def itn_fields(body: bytes) -> list[tuple[str, str]]:
    """The posted fields in the order received, empty ones kept (signature included)."""
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookRefused("The ITN body is not a form.", "bad_signature") from exc


def signed_itn(body: bytes) -> tuple[list[tuple[str, str]], str]:
    """(the signed fields, the signature): exactly what PayFast signs, i.e. every field before
    `signature`, which must come last and once. A repeated field or anything after the
    signature is refused: unsigned fields are never read."""
    fields = itn_fields(body)
    keys = [key for key, _value in fields]
    if keys.count("signature") != 1:
        raise WebhookRefused("The PayFast ITN has no single signature.", "bad_signature")
    if keys[-1] != "signature":
        raise WebhookRefused("The PayFast ITN has fields after its signature.", "bad_signature")
    if len(set(keys)) != len(keys):
        raise WebhookRefused("The PayFast ITN repeats a field.", "bad_signature")
    return fields[:-1], fields[-1][1]


def itn_signature(fields: list[tuple[str, str]], passphrase: str = "") -> str:
    """md5 over every field before `signature`, as received, empty ones included."""
    signed = []
    for key, value in fields:
        if key == "signature":
            break
        signed.append((key, value.replace("\\", "")))  # PHP stripslashes: a no-op on clean data
    return hashlib.md5(param_string(signed, passphrase=passphrase).encode()).hexdigest()


def checkout_signature(fields: list[tuple[str, str]], passphrase: str = "") -> str:
    return hashlib.md5(param_string(fields, passphrase=passphrase, skip_empty=True).encode()).hexdigest()


def api_signature(params: dict[str, str], passphrase: str = "") -> str:
    """The REST API's signature: keys sorted alphabetically, passphrase among them."""
    items = dict(params)
    if passphrase:
        items["passphrase"] = passphrase
    return hashlib.md5("&".join(f"{k}={php_urlencode(str(v))}" for k, v in sorted(items.items())).encode()).hexdigest()


def to_cents(amount: str) -> int:
    try:
        return int((Decimal(amount) * 100).quantize(Decimal(1)))
    except (InvalidOperation, TypeError) as exc:
        raise WebhookRefused(f"The amount {amount!r} is not a number.") from exc


class PayfastGateway(Gateway):
    name = "payfast"
    label = "PayFast (card, Instant EFT, SnapScan)"

    checkout_posts_form = True
    confirms_events = True  # confirm_event posts the ITN back to PayFast's validate endpoint

    def is_configured(self) -> bool:
        return bool(settings.PAYFAST_MERCHANT_ID and settings.PAYFAST_MERCHANT_KEY)

    @property
    def host(self) -> str:
        return "https://sandbox.payfast.co.za" if settings.PAYFAST_SANDBOX else "https://www.payfast.co.za"

    def start_checkout(self, *, order, return_url, cancel_url, notify_url) -> CheckoutStart:
        values = {
            "merchant_id": settings.PAYFAST_MERCHANT_ID,
            "merchant_key": settings.PAYFAST_MERCHANT_KEY,
            "return_url": return_url,
            "cancel_url": cancel_url,
            "notify_url": notify_url,
            "name_first": order.user.first_name,
            "name_last": order.user.last_name,
            "email_address": order.user.email,
            "m_payment_id": str(order.reference),
            "amount": format_units(order.total_cents),
            "item_name": order.description()[:100] or f"Order {order.pk}",
            "custom_int1": str(order.pk),
        }
        if order.plan_id:
            values.update(
                {
                    "subscription_type": "1",
                    "billing_date": timezone.localdate().isoformat(),
                    "recurring_amount": format_units(order.plan.price_cents),
                    "frequency": FREQUENCY[order.plan.interval],
                    "cycles": "0",
                }
            )
        fields = [(key, values[key]) for key in CHECKOUT_FIELD_ORDER if values.get(key, "") != ""]
        fields.append(("signature", checkout_signature(fields, settings.PAYFAST_PASSPHRASE)))
        return CheckoutStart(form_action=f"{self.host}/eng/process", form_fields=fields)

    def verify_webhook(self, *, body, headers, remote_addr) -> None:
        fields, given = signed_itn(body)
        if not given or itn_signature(fields, settings.PAYFAST_PASSPHRASE) != given.lower():
            raise WebhookRefused("The PayFast ITN signature does not match.", "bad_signature")
        if settings.PAYFAST_CHECK_SOURCE and not self.source_allowed(remote_addr):
            raise WebhookRefused(
                f"The ITN came from {remote_addr}, which is not a PayFast address.", "not_from_gateway"
            )
        merchant = dict(fields).get("merchant_id", "")
        if settings.PAYFAST_MERCHANT_ID and merchant != settings.PAYFAST_MERCHANT_ID:
            raise WebhookRefused("The ITN is for another PayFast merchant.")

    def source_allowed(self, remote_addr: str) -> bool:
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False
        for network in settings.PAYFAST_ALLOWED_NETWORKS:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        for host in settings.PAYFAST_VALID_HOSTS:
            try:
                _name, _aliases, addresses = socket.gethostbyname_ex(host)
            except OSError:
                logger.warning("could not resolve PayFast host %s", host)
                continue
            if remote_addr in addresses:
                return True
        return False

    def parse_event(self, *, body, headers) -> GatewayEvent:
        fields = dict(signed_itn(body)[0])
        status = fields.get("payment_status", "")
        pf_payment_id = fields.get("pf_payment_id", "")
        if not pf_payment_id:
            raise WebhookRefused("The ITN has no pf_payment_id.")
        event = GatewayEvent(
            # A payment's ITN is deduplicated on pf_payment_id; another status for the same id
            # (a cancelled subscription) is its own event.
            event_id=pf_payment_id if status == "COMPLETE" else f"{pf_payment_id}:{status}",
            event_type=f"itn.{status.lower() or 'unknown'}",
            kind=EventKind.IGNORED,
            order_reference=fields.get("m_payment_id", ""),
            transaction_reference=pf_payment_id,
            amount_cents=to_cents(fields.get("amount_gross", "0")),
            currency="ZAR",  # PayFast settles in rand only
            subscription_reference=fields.get("token", ""),
            customer_email=fields.get("email_address", ""),
            extra={"billing_date": fields.get("billing_date", "")},
        )
        if status == "COMPLETE":
            event.kind = EventKind.PAYMENT_SUCCEEDED
        elif status == "FAILED":
            event.kind = (
                EventKind.SUBSCRIPTION_PAYMENT_FAILED if event.subscription_reference else EventKind.PAYMENT_FAILED
            )
        elif status == "CANCELLED" and event.subscription_reference:
            event.kind = EventKind.SUBSCRIPTION_CANCELLED
        return event

    def confirm_event(self, *, event, body) -> None:
        """PayFast's server-to-server check: post back what we received; the answer must be VALID."""
        if not settings.PAYFAST_VALIDATE_WITH_SERVER or event.kind == EventKind.IGNORED:
            return
        fields, _signature = signed_itn(body)
        response = http(
            "POST",
            f"{self.host}/eng/query/validate",
            gateway=NAME,
            data=param_string(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status_code != 200 or response.text.strip() != "VALID":
            raise WebhookRefused(f"PayFast did not confirm the ITN (answered {response.text.strip()[:40]!r}).")

    def _api(self, method: str, path: str, body: dict | None = None) -> dict:
        if not self.is_configured():
            raise GatewayError("PayFast is not configured (PAYFAST_MERCHANT_ID / PAYFAST_MERCHANT_KEY).")
        headers = {
            "merchant-id": settings.PAYFAST_MERCHANT_ID,
            "version": "v1",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        }
        headers["signature"] = api_signature({**headers, **(body or {})}, settings.PAYFAST_PASSPHRASE)
        params = {"testing": "true"} if settings.PAYFAST_SANDBOX else None
        response = http(method, f"{API_URL}{path}", gateway=NAME, headers=headers, data=body, params=params)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or str(data.get("status", "success")).lower() not in ("success", "ok"):
            raise GatewayError(
                f"PayFast refused the request ({response.status_code}): "
                f"{data.get('data', {}).get('message') if isinstance(data.get('data'), dict) else data}"
            )
        return data

    def refund(self, *, payment, amount_cents, reason) -> str:
        data = self._api(
            "POST",
            f"/refunds/{payment.gateway_reference}",
            {"amount": str(amount_cents), "reason": reason[:100] or "Refund", "notify_buyer": "1"},
        )
        response = data.get("data") or {}
        return str(response.get("refund_id") or response.get("id") or f"pf-refund-{payment.gateway_reference}")

    def cancel_subscription(self, *, subscription) -> None:
        if subscription.gateway_subscription_id:
            self._api("PUT", f"/subscriptions/{subscription.gateway_subscription_id}/cancel")
