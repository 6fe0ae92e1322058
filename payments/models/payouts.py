"""Instructors' earnings settings, bank details and payout requests."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.money import format_money


class InstructorEarningsProfile(models.Model):
    """An instructor's revenue share (set by admins) and bank details (set by the instructor).

    Also the row that payout requests lock, so two requests never spend the same money."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="earnings_profile")
    default_share_percent = models.DecimalField(
        "instructor share (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Blank uses the site default (Settings → Platform settings). A course may override it.",
    )
    bank_details_encrypted = models.TextField(blank=True, editable=False)
    bank_details_masked = models.CharField(max_length=120, blank=True, editable=False)
    bank_details_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "instructor earnings profile"

    def __str__(self):
        return str(self.user)

    @property
    def has_bank_details(self) -> bool:
        return bool(self.bank_details_encrypted)


class PayoutRequest(models.Model):
    """An instructor's request to be paid part of their available balance."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Awaiting decision"
        APPROVED = "approved", "Paid"
        REJECTED = "rejected", "Rejected"

    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_requests")
    amount_cents = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    note = models.CharField(max_length=300, blank=True)
    # The bank details as they were when the request was made: changing them afterwards
    # cannot redirect money already requested.
    bank_details_encrypted = models.TextField(blank=True, editable=False)
    bank_details_masked = models.CharField("bank account", max_length=120, blank=True)
    reference = models.CharField("payment reference", max_length=120, blank=True)
    rejection_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "payout request"

    def __str__(self):
        return f"Payout #{self.pk} · {self.instructor} · {format_money(self.amount_cents, self.currency)}"
