"""Deployment checks (`manage.py check --deploy`) for money: the sandbox gateway (checkout
without money) switched on, and gateways switched on in Platform settings without the
secrets that prove their webhooks."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

# What each gateway needs to take money and to prove its webhooks genuine.
GATEWAY_SECRETS = {
    "paystack": ["PAYSTACK_SECRET_KEY"],
    "payfast": ["PAYFAST_MERCHANT_ID", "PAYFAST_MERCHANT_KEY", "PAYFAST_PASSPHRASE"],
    "stripe": ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
    "paypal": ["PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID"],
    "razorpay": ["RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET"],
}


def _enabled_in_platform_settings() -> list[str] | None:
    from coursepages.models import PlatformSettings

    try:
        return list(PlatformSettings.load().enabled_gateways())
    except DatabaseError:  # no database at check time: check what the settings can tell
        return None


@register(Tags.security, deploy=True)
def payment_settings(app_configs=None, **kwargs):
    problems = []
    if settings.PAYMENTS_SANDBOX_ENABLED:
        problems.append(
            Error(
                "The sandbox gateway is enabled: 'Pay now' enrolls students without taking money.",
                hint="Unset PAYMENTS_SANDBOX_ENABLED (off by default under production settings); set it only "
                "on a test deployment.",
                id="lectern.E010",
            )
        )
    enabled = _enabled_in_platform_settings()
    names = GATEWAY_SECRETS if enabled is None else [name for name in enabled if name in GATEWAY_SECRETS]
    for name in names:
        missing = [key for key in GATEWAY_SECRETS[name] if not getattr(settings, key, "")]
        present = [key for key in GATEWAY_SECRETS[name] if getattr(settings, key, "")]
        if not missing or (enabled is None and not present):
            continue  # all there, or (not knowing what is switched on) a gateway not configured at all
        problems.append(
            Warning(
                f"{name} is switched on but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
                "its payments or webhooks cannot be verified.",
                hint="Set the missing environment variables, or switch the gateway off in Platform settings.",
                id="lectern.W011",
            )
        )
    return problems
