from payments.commerce.models import (
    Coupon,
    CouponRedemption,
    InvoiceCounter,
    Order,
    OrderItem,
    Payment,
    Plan,
    Subscription,
    WebhookEvent,
)
from payments.earnings.models import InstructorEarningsProfile, LedgerEntry, PayoutRequest

__all__ = [
    "Coupon",
    "CouponRedemption",
    "InstructorEarningsProfile",
    "InvoiceCounter",
    "LedgerEntry",
    "Order",
    "OrderItem",
    "Payment",
    "PayoutRequest",
    "Plan",
    "Subscription",
    "WebhookEvent",
]
