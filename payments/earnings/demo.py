"""Demo earnings: a year of sales of the paid Django course for Pieter (one with a coupon,
one refunded), his bank details, one payout already paid and one waiting in the admin queue.
Idempotent: sales are keyed, and payouts are only made when Pieter has none."""

from datetime import timedelta

from django.utils import timezone

from accounts.demo import demo_user
from coursepages.models import CoursePage
from payments.earnings.ledger import ledger_record_sale, ledger_release_due, ledger_reverse_sale
from payments.earnings.payouts import bank_details_update, payout_approve, payout_request
from payments.models import PayoutRequest

# (days ago, gross paid in cents): full price R499, one R399.20 with a 20% coupon.
DEMO_SALES = [
    (330, 49900),
    (290, 49900),
    (250, 49900),
    (200, 39920),
    (170, 49900),
    (140, 49900),
    (100, 49900),
    (75, 49900),
    (45, 49900),
    (30, 49900),
    (20, 49900),
    (5, 49900),
    (2, 49900),
]
REFUNDED = {"demo-sale:10"}


def seed(*, stdout):
    course = CoursePage.objects.filter(slug="django-web-development").first()
    if course is None:
        return
    pieter = demo_user("pieter@lectern.local")
    admin = demo_user("admin@lectern.local")
    now = timezone.now()
    for number, (days_ago, gross) in enumerate(DEMO_SALES, start=1):
        key = f"demo-sale:{number}"
        ledger_record_sale(
            source_key=key,
            course=course,
            gross_cents=gross,
            currency=course.currency,
            occurred_at=now - timedelta(days=days_ago),
        )
        if key in REFUNDED:
            ledger_reverse_sale(source_key=key, occurred_at=now - timedelta(days=days_ago - 3))
    ledger_release_due()
    if not PayoutRequest.objects.filter(instructor=pieter).exists():
        bank_details_update(
            user=pieter,
            details={
                "account_holder": "Pieter van der Merwe",
                "bank_name": "Standard Bank",
                "account_number": "0012345678",
                "branch_code": "051001",
                "account_type": "cheque",
            },
        )
        paid = payout_request(user=pieter, amount_cents=100000, note="First payout")
        payout_approve(payout_id=paid.pk, actor=admin, reference="EFT-DEMO-0001")
        payout_request(user=pieter, amount_cents=60000)
    stdout.write("  earnings: Pieter has a year of sales, one paid payout and one awaiting approval")
