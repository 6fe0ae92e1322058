"""Orders, their lines, the payments that settle them, and the invoice-number counter."""

import uuid

from django.conf import settings
from django.db import models

from core.money import format_money


class Order(models.Model):
    """What a user is buying: one or more courses, or a subscription plan. Amounts include VAT."""

    class Kind(models.TextChoices):
        COURSES = "courses", "Courses"
        SUBSCRIPTION = "subscription", "Subscription"
        RENEWAL = "renewal", "Subscription renewal"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"
        REFUNDED = "refunded", "Refunded"

    reference = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Our id for the order at the gateway."
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COURSES)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    plan = models.ForeignKey("payments.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    subscription = models.ForeignKey(
        "payments.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    gateway = models.CharField(max_length=20, db_index=True)
    gateway_reference = models.CharField(
        max_length=255, blank=True, db_index=True, help_text="The gateway's id for the checkout (session, transaction)."
    )
    currency = models.CharField(max_length=3, default="ZAR")
    subtotal_cents = models.PositiveIntegerField(default=0)
    discount_cents = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField(default=0, help_text="What the customer pays, VAT included.")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    vat_cents = models.PositiveIntegerField(default=0)
    coupon = models.ForeignKey(
        "payments.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    coupon_code = models.CharField(max_length=40, blank=True)
    coupon_over_limit = models.BooleanField(
        default=False,
        help_text="The coupon ran out between checkout and payment: the customer paid the discounted "
        "price and keeps the course, but no redemption was counted.",
    )
    invoice_number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"Order {self.pk} · {self.get_status_display()}"

    @property
    def net_cents(self) -> int:
        return self.total_cents - self.vat_cents

    @property
    def invoice_label(self) -> str:
        return f"INV-{self.invoice_number:06d}" if self.invoice_number else ""

    def description(self) -> str:
        if self.plan_id:
            return f"{self.plan.name} subscription"
        titles = [item.course.title for item in self.items.all()]
        return ", ".join(titles)


class OrderItem(models.Model):
    """One course in an order, with its share of the discount."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey("coursepages.CoursePage", on_delete=models.PROTECT, related_name="order_items")
    title = models.CharField(max_length=255, help_text="The course title when bought.")
    price_cents = models.PositiveIntegerField(help_text="The price charged (the sale price during a sale).")
    list_price_cents = models.PositiveIntegerField(
        default=0, help_text="The course's regular price when bought (above price_cents during a sale)."
    )
    discount_cents = models.PositiveIntegerField(default=0)
    paid_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "course"], name="unique_order_course")]

    def __str__(self):
        return self.title


class Payment(models.Model):
    """Money that arrived at a gateway for an order (first payment or a renewal)."""

    class Status(models.TextChoices):
        SETTLED = "settled", "Settled"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        REFUNDING = "refunding", "Refund in progress"
        REFUNDED = "refunded", "Refunded"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payment")
    gateway = models.CharField(max_length=20)
    gateway_reference = models.CharField(max_length=255, help_text="The gateway's transaction id.")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SETTLED, db_index=True)
    settled_at = models.DateTimeField()
    refunded_cents = models.PositiveIntegerField(default=0, help_text="Refunded so far (partial refunds add up).")
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reference = models.CharField(max_length=255, blank=True)
    refund_reason = models.CharField(max_length=255, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-settled_at"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="unique_gateway_payment"),
        ]
        permissions = [("refund_payment", "Can refund payments")]

    def __str__(self):
        return f"{self.gateway} {self.gateway_reference} · {format_money(self.amount_cents, self.currency)}"


class PaymentRefund(models.Model):
    """One refund of (part of) a payment, as the gateway confirmed it."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveIntegerField()
    reference = models.CharField(max_length=255, blank=True, help_text="The gateway's refund id.")
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Refund {self.pk} of payment {self.payment_id} · {self.amount_cents} cents"


class InvoiceCounter(models.Model):
    """The one row whose lock hands out invoice numbers in sequence, without gaps."""

    name = models.CharField(max_length=30, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last_number}"


class Coupon(models.Model):
    """A discount code: percent or fixed, a validity window, limits, optionally some courses only."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(max_length=40, unique=True, help_text="Stored in capitals; customers type any case.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    percent_off = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="For percent coupons: 10 means 10% off."
    )
    amount_off_cents = models.PositiveIntegerField(
        null=True, blank=True, help_text="For fixed coupons, in cents (VAT included)."
    )
    currency = models.CharField(max_length=3, default="ZAR")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: no total limit.")
    max_per_user = models.PositiveIntegerField(default=1, help_text="Redemptions allowed per customer.")
    courses = models.ManyToManyField(
        "coursepages.CoursePage", blank=True, related_name="coupons", help_text="Leave empty for every paid course."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.PERCENT and not (self.percent_off and 0 < self.percent_off <= 100):
            raise ValidationError({"percent_off": "Give a percentage between 0 and 100."})
        if self.kind == self.Kind.FIXED and not self.amount_off_cents:
            raise ValidationError({"amount_off_cents": "Give the amount off in cents."})


class CouponRedemption(models.Model):
    """A coupon counted against its limits: created when the order's payment settles."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("payments.Order", on_delete=models.PROTECT, related_name="coupon_redemption")
    discount_cents = models.PositiveIntegerField()
    redeemed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.coupon} · order {self.order_id}"


class Plan(models.Model):
    """A subscription plan: courses priced 'included in subscription' open while it is active."""

    class Interval(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        ANNUAL = "annual", "Annual"

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    interval = models.CharField(max_length=10, choices=Interval.choices, default=Interval.MONTHLY)
    price_cents = models.PositiveIntegerField(help_text="VAT included, in cents.")
    currency = models.CharField(max_length=3, default="ZAR")
    is_active = models.BooleanField(default=True)
    gateway_plan_codes = models.JSONField(
        default=dict, blank=True, help_text='Plan ids at each gateway, e.g. {"paystack": "PLN_…"}.'
    )

    class Access(models.TextChoices):
        ALL_INCLUDED = "all_included", "Every course 'included in subscription'"
        BUNDLE = "bundle", "Only the courses chosen below (a bundle)"

    access = models.CharField(max_length=20, choices=Access.choices, default=Access.ALL_INCLUDED)
    courses = models.ManyToManyField(
        "coursepages.CoursePage",
        blank=True,
        related_name="bundle_plans",
        help_text="For a bundle: the courses it opens (any pricing except free).",
    )

    def opens_course(self, course) -> bool:
        """Whether a subscription to this plan opens `course` (call with courses prefetched
        when asking for many)."""
        if self.access == self.Access.BUNDLE:
            return course.pricing != course.Pricing.FREE and any(item.pk == course.pk for item in self.courses.all())
        return course.pricing == course.Pricing.SUBSCRIPTION

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """A user's subscription to a plan. Access lasts until current_period_end."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending first payment"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Payment failed"
        CANCELLED = "cancelled", "Cancelled (runs to period end)"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    gateway = models.CharField(max_length=20, blank=True)
    gateway_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Recovering a failed renewal (README "Failed renewals"): notice, retries, grace, lapse.
    past_due_since = models.DateTimeField(null=True, blank=True)
    grace_ends_at = models.DateTimeField(null=True, blank=True, help_text="Access lasts until then while past due.")
    retry_count = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failure_notified_at = models.DateTimeField(null=True, blank=True)
    payment_method_updated_at = models.DateTimeField(null=True, blank=True)
    failed_charge_reference = models.CharField(
        max_length=255, blank=True, help_text="The gateway's id of the failed renewal charge (a Stripe invoice)."
    )

    class Meta:
        indexes = [models.Index(fields=["user", "status", "current_period_end"])]

    def __str__(self):
        return f"{self.user} · {self.plan} · {self.status}"


class WebhookEvent(models.Model):
    """A signed event as received. The unique key makes duplicates and replays visible."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored (event type not used)"
        REFUSED = "refused", "Refused (amount, currency or order mismatch)"

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The raw request body.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    message = models.CharField(max_length=500, blank=True)
    order = models.ForeignKey(
        "payments.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_events"
    )
    deliveries = models.PositiveIntegerField(default=1, help_text="How many times the gateway sent it.")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="unique_gateway_event")]

    def __str__(self):
        return f"{self.gateway} {self.event_type} {self.event_id}"
