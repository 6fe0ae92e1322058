"""Demo money: a monthly and an annual plan, the WELCOME10 coupon, the sandbox gateway on."""

from coursepages.models import PlatformSettings
from payments.models import Coupon, Plan


def seed(*, stdout):
    for slug, name, interval, price in (
        ("monthly", "Lectern Monthly", Plan.Interval.MONTHLY, 14900),
        ("annual", "Lectern Annual", Plan.Interval.ANNUAL, 149000),
    ):
        _plan, created = Plan.objects.get_or_create(
            slug=slug, defaults={"name": name, "interval": interval, "price_cents": price}
        )
        if created:
            stdout.write(f"created plan {name}")
    _coupon, created = Coupon.objects.get_or_create(
        code="WELCOME10",
        defaults={
            "kind": Coupon.Kind.PERCENT,
            "percent_off": 10,
            "max_per_user": 1,
            "description": "10% off any paid course, once per customer",
        },
    )
    if created:
        stdout.write("created coupon WELCOME10 (10% off)")
    settings = PlatformSettings.load()
    changed = False
    if not settings.gateway_sandbox:
        settings.gateway_sandbox = True
        changed = True
    if not settings.vat_number:
        settings.vat_number = "4123456789"
        changed = True
    if changed:
        settings.save()
