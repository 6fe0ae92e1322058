"""The earnings ledger: append-only rows that every balance is summed from (docs/architecture.md §4)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.money import format_money


class LedgerEntry(models.Model):
    """One account's part of one money event (a sale, its refund, a payout or a returned payout).

    A sale writes one platform row and one row per instructor. Every row of a sale or refund
    carries the whole payment's breakdown (gross, VAT, net) so each can be read on its own;
    `amount_cents` is what this account gets, `share_percent` the percentage applied to
    `basis_cents` (the instructor's weighted part of net). Rows are never updated except
    for their release from pending to available; a refund writes negative twins."""

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        REFUND = "refund", "Refund"
        PAYOUT = "payout", "Payout request"
        PAYOUT_RETURN = "payout_return", "Payout returned"

    class Account(models.TextChoices):
        PLATFORM = "platform", "Platform"
        INSTRUCTOR = "instructor", "Instructor"
        POOL = "pool", "Subscription pool (instructors' part, until the period closes)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        AVAILABLE = "available", "Available"

    source_key = models.CharField(max_length=120, help_text='What caused it, e.g. "order-item:123" or "payout:7".')
    kind = models.CharField(max_length=20, choices=Kind.choices)
    account = models.CharField(max_length=20, choices=Account.choices)
    line = models.PositiveSmallIntegerField(default=0, help_text="0 is the platform row, 1… the instructors.")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    course = models.ForeignKey(
        "coursepages.CoursePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger_entries"
    )
    course_title = models.CharField(max_length=255, blank=True)
    payout = models.ForeignKey(
        "payments.PayoutRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        help_text="The row this refund row reverses (in part: a partial refund writes one reversal each).",
    )
    currency = models.CharField(max_length=3)
    gross_cents = models.BigIntegerField(default=0)
    vat_cents = models.BigIntegerField(default=0)
    net_cents = models.BigIntegerField(default=0)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    basis_cents = models.BigIntegerField(default=0, help_text="The part of net this share was computed from.")
    share_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_cents = models.BigIntegerField(help_text="This account's money; negative for refunds and payouts.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    occurred_at = models.DateTimeField()
    available_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            # A twin call (retry, replayed webhook, concurrent worker) cannot write a row twice.
            models.UniqueConstraint(fields=["source_key", "kind", "line"], name="unique_ledger_line"),
        ]
        indexes = [
            models.Index(fields=["instructor", "status"]),
            models.Index(fields=["instructor", "occurred_at"]),
            models.Index(fields=["status", "available_at"]),
            models.Index(fields=["account", "occurred_at"]),
        ]

    def __str__(self):
        amount = format_money(self.amount_cents, self.currency)
        return f"{self.get_kind_display()} {self.source_key} · {self.get_account_display()} · {amount}"


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


class SubscriptionEarningsPeriod(models.Model):
    """The period one subscription payment paid for. Its instructor pool (a POOL ledger row) is
    split among instructors when the period closes (`subscription_periods_close`), by the
    rule in the platform settings."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed (pool split)"

    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="earnings_period")
    subscriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("payments.Plan", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    split_rule = models.CharField(max_length=20, blank=True, help_text="The rule applied at closing.")
    pool_allocated_cents = models.BigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = "subscription earnings period"

    def __str__(self):
        return f"{self.subscriber} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d} · {self.status}"

    @property
    def payment_source_key(self) -> str:
        return f"subscription-payment:{self.payment_id}"

    @property
    def allocation_source_key(self) -> str:
        return f"subscription-period:{self.pk}"
