from decimal import Decimal

import pytest

from payments.earnings.selectors import balances_for
from tests.payments.earnings.earnings_helpers import available_earnings, paid_course, site_settings, with_bank_details


@pytest.fixture
def earning_instructor(instructor):
    """An instructor with bank details and R 700.00 available (70% of the net of a R 1,150 sale,
    VAT 15%) from the course "Bookkeeping"; payouts from R 100."""
    site_settings(vat_rate=Decimal("0.15"), default_revenue_share=Decimal("70"), payout_threshold_cents=10000)
    with_bank_details(instructor)
    available_earnings(
        course=paid_course(instructor=instructor, title="Bookkeeping"), gross_cents=115000, key="order-item:1"
    )
    assert balances_for(user=instructor).available == 70000
    return instructor
