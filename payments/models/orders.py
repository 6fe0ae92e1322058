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

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                 help_text="Our id for the order at the gateway.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COURSES)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    plan = models.ForeignKey("payments.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    subscription = models.ForeignKey(
        "payments.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    gateway = models.CharField(max_length=20, db_index=True)
    gateway_reference = models.CharField(max_length=255, blank=True, db_index=True,
                                         help_text="The gateway's id for the checkout (session, transaction).")
    currency = models.CharField(max_length=3, default="ZAR")
    subtotal_cents = models.PositiveIntegerField(default=0)
    discount_cents = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField(default=0, help_text="What the customer pays, VAT included.")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    vat_cents = models.PositiveIntegerField(default=0)
    coupon = models.ForeignKey("payments.Coupon", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="orders")
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
    price_cents = models.PositiveIntegerField()
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
        REFUNDING = "refunding", "Refund in progress"
        REFUNDED = "refunded", "Refunded"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payment")
    gateway = models.CharField(max_length=20)
    gateway_reference = models.CharField(max_length=255, help_text="The gateway's transaction id.")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SETTLED, db_index=True)
    settled_at = models.DateTimeField()
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reference = models.CharField(max_length=255, blank=True)
    refund_reason = models.CharField(max_length=255, blank=True)
    refunded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-settled_at"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_reference"], name="unique_gateway_payment"),
        ]
        permissions = [("refund_payment", "Can refund payments")]

    def __str__(self):
        return f"{self.gateway} {self.gateway_reference} · {format_money(self.amount_cents, self.currency)}"


class InvoiceCounter(models.Model):
    """The one row whose lock hands out invoice numbers in sequence, without gaps."""

    name = models.CharField(max_length=30, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last_number}"
