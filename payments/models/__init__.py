from payments.models.coupons import Coupon, CouponRedemption
from payments.models.ledger import LedgerEntry
from payments.models.orders import InvoiceCounter, Order, OrderItem, Payment
from payments.models.payouts import InstructorEarningsProfile, PayoutRequest
from payments.models.subscriptions import Plan, Subscription
from payments.models.webhooks import WebhookEvent

__all__ = [
    "Coupon", "CouponRedemption", "InstructorEarningsProfile", "InvoiceCounter", "LedgerEntry", "Order",
    "OrderItem", "Payment", "PayoutRequest", "Plan", "Subscription", "WebhookEvent",
]
