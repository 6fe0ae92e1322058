"""Payment gateways, one module each, behind one interface (base.Gateway)."""

from coursepages.models import PlatformSettings
from payments.gateways.base import CheckoutStart, EventKind, Gateway, GatewayError, GatewayEvent, WebhookRefused
from payments.gateways.payfast import PayfastGateway
from payments.gateways.paypal import PaypalGateway
from payments.gateways.paystack import PaystackGateway
from payments.gateways.razorpay import RazorpayGateway
from payments.gateways.sandbox import SandboxGateway
from payments.gateways.stripe import StripeGateway

GATEWAYS: dict[str, Gateway] = {
    gateway.name: gateway
    for gateway in (
        SandboxGateway(),
        PaystackGateway(),
        PayfastGateway(),
        StripeGateway(),
        PaypalGateway(),
        RazorpayGateway(),
    )
}


def get_gateway(name: str) -> Gateway:
    try:
        return GATEWAYS[name]
    except KeyError:
        raise GatewayError(f"There is no payment gateway called {name!r}.") from None


def enabled_gateways() -> list[Gateway]:
    """Gateways switched on in PlatformSettings whose keys are in the environment."""
    names = PlatformSettings.load().enabled_gateways()
    return [GATEWAYS[name] for name in names if name in GATEWAYS and GATEWAYS[name].is_configured()]


__all__ = [
    "CheckoutStart",
    "EventKind",
    "GATEWAYS",
    "Gateway",
    "GatewayError",
    "GatewayEvent",
    "WebhookRefused",
    "enabled_gateways",
    "get_gateway",
]
