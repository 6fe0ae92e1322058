"""Builders shared by the earnings tests."""

from datetime import timedelta

from django.utils import timezone

from coursepages.models import CoursePage, PlatformSettings
from payments.earnings.ledger import ledger_record_sale, ledger_release_due
from payments.earnings.payouts import bank_details_update

BANK = {
    "account_holder": "Ivy Instructor",
    "bank_name": "FNB",
    "account_number": "62812345678",
    "branch_code": "250655",
    "account_type": "cheque",
}


def site_settings(**values) -> PlatformSettings:
    site = PlatformSettings.load()
    for name, value in values.items():
        setattr(site, name, value)
    site.save()
    return site


def paid_course(*, instructor, price_cents=49900, **fields) -> CoursePage:
    from tests.factories import make_course

    return make_course(
        instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=price_cents, lessons=1, **fields
    )


def available_earnings(*, course, gross_cents, key, days_ago=30):
    """A sale old enough to be past the hold, released."""
    rows = ledger_record_sale(
        source_key=key,
        course=course,
        gross_cents=gross_cents,
        currency="ZAR",
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )
    ledger_release_due()
    return rows


def with_bank_details(user):
    return bank_details_update(user=user, details=BANK)
