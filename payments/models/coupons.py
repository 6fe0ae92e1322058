"""Discount codes and the redemptions counted against their limits."""

from django.conf import settings
from django.db import models


class Coupon(models.Model):
    """A discount code: percent or fixed, a validity window, limits, optionally some courses only."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(max_length=40, unique=True, help_text="Stored in capitals; customers type any case.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                      help_text="For percent coupons: 10 means 10% off.")
    amount_off_cents = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text="For fixed coupons, in cents (VAT included).")
    currency = models.CharField(max_length=3, default="ZAR")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: no total limit.")
    max_per_user = models.PositiveIntegerField(default=1, help_text="Redemptions allowed per customer.")
    courses = models.ManyToManyField("coursepages.CoursePage", blank=True, related_name="coupons",
                                     help_text="Leave empty for every paid course.")
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
