from django.conf import settings
from django.db import models


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

    class Meta:
        indexes = [models.Index(fields=["user", "status", "current_period_end"])]

    def __str__(self):
        return f"{self.user} · {self.plan} · {self.status}"
