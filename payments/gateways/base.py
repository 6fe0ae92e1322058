"""The one interface every gateway implements (docs/architecture.md §4): start a checkout, verify a
webhook, parse its event, refund, cancel a subscription."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import requests
from django.conf import settings

from core.errors import DomainError, UpstreamError

logger = logging.getLogger("payments.gateways")


class GatewayError(UpstreamError):
    """An outbound call to a gateway failed; the message is fit to show an admin or a customer."""

    default_code = "gateway_error"


class WebhookRefused(DomainError):
    """A webhook that must not be applied. `code`: "bad_signature", "not_from_gateway" (a sender
    that is not the gateway), "not_configured" (here), or "invalid_event" (anything else);
    payments.commerce.webhooks turns it into the reply the gateway gets."""

    default_code = "invalid_event"


class EventKind:
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    SUBSCRIPTION_RENEWED = "subscription_renewed"
    SUBSCRIPTION_PAYMENT_FAILED = "subscription_payment_failed"
    SUBSCRIPTION_CREATED = "subscription_created"
    SUBSCRIPTION_CANCELLED = "subscription_cancelled"
    REFUNDED = "refunded"
    IGNORED = "ignored"


@dataclass
class GatewayEvent:
    """What a webhook means, in our terms."""

    event_id: str
    event_type: str
    kind: str
    order_reference: str = ""  # our Order.reference (uuid as text) when the gateway echoes it
    transaction_reference: str = ""  # the gateway's id for the money movement
    amount_cents: int | None = None
    currency: str = ""
    subscription_reference: str = ""  # the gateway's subscription id / token / code
    customer_email: str = ""
    plan_code: str = ""
    period_end_ts: int | None = None  # unix time the paid period ends, when the gateway says
    extra: dict = field(default_factory=dict)


@dataclass
class CheckoutStart:
    """Where to send the customer: a URL to redirect to, or a form to post (PayFast)."""

    redirect_url: str = ""
    form_action: str = ""
    form_fields: list[tuple[str, str]] = field(default_factory=list)
    gateway_reference: str = ""


@dataclass
class RenewalRetry:
    """What asking the gateway to charge a failed renewal again gave. `charged` None: the gateway
    retries on its own schedule (Stripe's Smart Retries, PayStack, PayFast), and its webhook will
    say how it went. A gateway that answers at once may hand back a signed event to apply."""

    charged: bool | None
    body: bytes = b""
    headers: dict = field(default_factory=dict)


class Gateway(ABC):
    """One payment provider behind one interface; each gateway module implements every
    abstract method (the sandbox included)."""

    name = ""
    label = ""
    supports_subscriptions = True
    checkout_posts_form = False  # True: the checkout is a form our order_pay page posts (PayFast, Razorpay)
    # True: confirm_event asks the gateway's server (a network call), so the event is stored and
    # committed before, and applied after, never with a transaction open across the call.
    confirms_events = False

    @abstractmethod
    def is_configured(self) -> bool: ...

    @abstractmethod
    def start_checkout(self, *, order, return_url: str, cancel_url: str, notify_url: str) -> CheckoutStart: ...

    @abstractmethod
    def verify_webhook(self, *, body: bytes, headers, remote_addr: str) -> None:
        """Raise WebhookRefused unless the request really comes from the gateway."""

    @abstractmethod
    def parse_event(self, *, body: bytes, headers) -> GatewayEvent: ...

    def confirm_event(self, *, event: GatewayEvent, body: bytes) -> None:
        """A server-to-server confirmation after parsing (PayFast's validate); default none."""
        return None

    def verify_transaction(self, *, reference: str) -> GatewayEvent | None:
        """Ask the gateway about a transaction (the customer's return); None if unsupported."""
        return None

    @abstractmethod
    def refund(self, *, payment, amount_cents: int, reason: str) -> str:
        """Refund money; returns the gateway's refund id."""

    @abstractmethod
    def cancel_subscription(self, *, subscription) -> None: ...

    def retry_renewal(self, *, subscription) -> RenewalRetry:
        """Charge a past-due subscription again now, where the gateway allows it."""
        return RenewalRetry(charged=None)

    def payment_method_url(self, *, subscription, return_url: str) -> str:
        """A page where the subscriber updates the card the gateway charges; "" when the gateway
        has none (the site then tells them to contact support or subscribe again)."""
        return ""


def http(method: str, url: str, *, gateway: str, **kwargs) -> requests.Response:
    """An outbound call with a timeout and an error that says what went wrong."""
    kwargs.setdefault("timeout", settings.PAYMENT_HTTP_TIMEOUT)
    try:
        response = requests.request(method, url, **kwargs)
    except requests.Timeout as exc:
        logger.warning("%s %s timed out", gateway, url)
        raise GatewayError(f"{gateway} did not answer in time; try again in a minute.") from exc
    except requests.RequestException as exc:
        logger.warning("%s %s failed: %s", gateway, url, exc)
        raise GatewayError(f"Could not reach {gateway}: {exc.__class__.__name__}.") from exc
    return response


def json_or_error(response: requests.Response, *, gateway: str) -> dict:
    try:
        data = response.json()
    except ValueError as exc:
        raise GatewayError(f"{gateway} answered {response.status_code} with a body that is not JSON.") from exc
    if response.status_code >= 400:
        message = data.get("message") or (data.get("error") or {}).get("message") or response.reason
        raise GatewayError(f"{gateway} refused the request ({response.status_code}): {message}")
    return data


def header(headers, name: str) -> str:
    """Read a header from a Django request.headers or a plain dict, case-insensitively."""
    if hasattr(headers, "get"):
        value = headers.get(name)
        if value is not None:
            return value
    lowered = name.lower()
    for key, value in dict(headers).items():
        if key.lower() == lowered:
            return value
    return ""
