from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from coursepages.forms import PlatformSettingsForm


@register_setting(icon="cog")
class PlatformSettings(BaseGenericSetting):
    """Settings an admin changes in the Wagtail admin: branding, money rules, gateways."""

    site_name = models.CharField(max_length=100, default="Lectern")
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    brand_colour = models.CharField(max_length=7, default="#1d4ed8", help_text="Hex colour, e.g. #1d4ed8.")
    support_email = models.EmailField(default="support@lectern.local")

    currency = models.CharField(max_length=3, default="ZAR")
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.15"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="0.15 means 15%. Prices include VAT.",
    )
    vat_number = models.CharField(max_length=30, blank=True, help_text="Printed on tax invoices.")
    seller_name = models.CharField(max_length=200, default="Lectern Academy (Pty) Ltd")
    seller_address = models.TextField(blank=True)

    default_revenue_share = models.DecimalField(
        "default instructor share (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("70.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    hold_days = models.PositiveIntegerField(default=14, help_text="Days earnings stay pending (refund window).")
    payout_threshold_cents = models.PositiveIntegerField(default=50000, help_text="Smallest payout, in cents.")

    class SubscriptionSplit(models.TextChoices):
        LEARNING_TIME = "learning_time", "By the subscriber's learning time in each course"
        EQUAL_PER_COURSE = "equal_per_course", "Equally among the included courses the subscriber used"

    subscription_pool_percent = models.DecimalField(
        "instructor pool of subscriptions (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("70.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The part of each subscription payment (after VAT) that goes to the instructors.",
    )
    subscription_split_rule = models.CharField(
        "how the pool is split",
        max_length=20,
        choices=SubscriptionSplit.choices,
        default=SubscriptionSplit.LEARNING_TIME,
        help_text="Applied when a paid period closes. A period with no learning time goes to the platform.",
    )
    renewal_retry_days = models.CharField(
        "retry a failed renewal after (days)",
        max_length=50,
        default="1,3,5",
        help_text="Comma-separated days after the failure, e.g. 1,3,5.",
    )
    renewal_grace_days = models.PositiveIntegerField(
        "grace period (days)",
        default=7,
        help_text="After a failed renewal the subscriber keeps access this many days, then it lapses.",
    )

    gateway_sandbox = models.BooleanField("sandbox gateway enabled", default=True)
    gateway_paystack = models.BooleanField("PayStack enabled", default=False)
    gateway_payfast = models.BooleanField("PayFast enabled", default=False)
    gateway_stripe = models.BooleanField("Stripe enabled", default=False)
    gateway_paypal = models.BooleanField("PayPal enabled", default=False)
    gateway_razorpay = models.BooleanField("Razorpay enabled", default=False)

    base_form_class = PlatformSettingsForm  # amounts typed in currency units

    panels = [
        MultiFieldPanel(
            [FieldPanel("site_name"), FieldPanel("logo"), FieldPanel("brand_colour"), FieldPanel("support_email")],
            heading="Branding",
        ),
        MultiFieldPanel(
            [
                FieldPanel("currency"),
                FieldPanel("vat_rate"),
                FieldPanel("vat_number"),
                FieldPanel("seller_name"),
                FieldPanel("seller_address"),
            ],
            heading="Tax",
        ),
        MultiFieldPanel(
            [FieldPanel("default_revenue_share"), FieldPanel("hold_days"), FieldPanel("payout_threshold_cents")],
            heading="Earnings and payouts",
        ),
        MultiFieldPanel(
            [
                FieldPanel("subscription_pool_percent"),
                FieldPanel("subscription_split_rule"),
                FieldPanel("renewal_retry_days"),
                FieldPanel("renewal_grace_days"),
            ],
            heading="Subscriptions",
        ),
        MultiFieldPanel(
            [
                FieldPanel("gateway_sandbox"),
                FieldPanel("gateway_paystack"),
                FieldPanel("gateway_payfast"),
                FieldPanel("gateway_stripe"),
                FieldPanel("gateway_paypal"),
                FieldPanel("gateway_razorpay"),
            ],
            heading="Payment gateways (keys stay in the environment)",
        ),
    ]

    class Meta:
        verbose_name = "platform settings"

    @classmethod
    def load(cls, request_or_site=None):
        """For a request (what every page's header and footer show), from the cache until the
        settings are saved (the page cache's generation); otherwise, as money rules read them,
        from the database."""
        from wagtail.models import Site

        if request_or_site is None or isinstance(request_or_site, Site):
            return super().load(request_or_site)
        attr_name = cls.get_cache_attr_name()
        if not hasattr(request_or_site, attr_name):
            from coursepages.page_cache import cached_until_pages_change

            setattr(request_or_site, attr_name, cached_until_pages_change("platform-settings:v1", cls._get_or_create))
        return getattr(request_or_site, attr_name)

    def renewal_retry_schedule(self) -> list[int]:
        """The retry days as sorted whole numbers; anything unreadable is left out."""
        days = {int(part) for part in self.renewal_retry_days.split(",") if part.strip().isdigit()}
        return sorted(day for day in days if day > 0)

    def enabled_gateways(self) -> list[str]:
        names = ("sandbox", "paystack", "payfast", "stripe", "paypal", "razorpay")
        return [name for name in names if getattr(self, f"gateway_{name}")]
