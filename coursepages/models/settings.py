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

    gateway_sandbox = models.BooleanField("sandbox gateway enabled", default=True)
    gateway_paystack = models.BooleanField("PayStack enabled", default=False)
    gateway_payfast = models.BooleanField("PayFast enabled", default=False)
    gateway_stripe = models.BooleanField("Stripe enabled", default=False)

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
                FieldPanel("gateway_sandbox"),
                FieldPanel("gateway_paystack"),
                FieldPanel("gateway_payfast"),
                FieldPanel("gateway_stripe"),
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

    def enabled_gateways(self) -> list[str]:
        names = ("sandbox", "paystack", "payfast", "stripe")
        return [name for name in names if getattr(self, f"gateway_{name}")]
