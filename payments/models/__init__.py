from payments.commerce.models import (
    Coupon,
    CouponRedemption,
    InvoiceCounter,
    Order,
    OrderItem,
    Payment,
    PaymentRefund,
    Plan,
    Subscription,
    WebhookEvent,
)
from payments.earnings.models import (
    InstructorEarningsProfile,
    LedgerEntry,
    PayoutRequest,
    SubscriptionEarningsPeriod,
)

__all__ = [
    "Coupon",
    "CouponRedemption",
    "InstructorEarningsProfile",
    "InvoiceCounter",
    "LedgerEntry",
    "Order",
    "OrderItem",
    "Payment",
    "PaymentRefund",
    "PayoutRequest",
    "Plan",
    "Subscription",
    "SubscriptionEarningsPeriod",
    "WebhookEvent",
]
