from .coupons import Coupon, CouponRedemption
from .ledger import LedgerEntry
from .orders import InvoiceCounter, Order, OrderItem, Payment
from .payouts import InstructorEarningsProfile, PayoutRequest
from .subscriptions import Plan, Subscription
from .webhooks import WebhookEvent

__all__ = [
    "Coupon", "CouponRedemption", "InstructorEarningsProfile", "InvoiceCounter", "LedgerEntry", "Order",
    "OrderItem", "Payment", "PayoutRequest", "Plan", "Subscription", "WebhookEvent",
]
