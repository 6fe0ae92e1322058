"""Wagtail finds an app's `wagtail_hooks` module only at the app's top: this one loads those of
the money area's parts (commerce: orders, payments, refunds, coupons, plans, subscriptions,
webhook events; earnings: the ledger, payouts and the financial overview)."""

from payments.commerce import wagtail_hooks as commerce_hooks  # noqa: F401
from payments.earnings import wagtail_hooks as earnings_hooks  # noqa: F401
