"""An instructor's sale is pending, becomes available after the hold, the instructor adds
bank details and requests a payout in the browser, and an admin approves it in the Wagtail
admin; the instructor then sees it paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.earnings.ledger import ledger_record_sale, ledger_release_due
from payments.models import PayoutRequest
from tests.e2e.conftest import sign_in
from tests.payments.earnings.earnings_helpers import paid_course, site_settings

pytestmark = pytest.mark.django_db(transaction=True)


def test_sale_pending_then_available_payout_requested_and_approved(page, screenshot, instructor, admin_user):
    site_settings(
        vat_rate=Decimal("0.15"), default_revenue_share=Decimal("70"), hold_days=14, payout_threshold_cents=50000
    )
    course = paid_course(instructor=instructor, title="Bookkeeping for makers", price_cents=115000)
    sold_at = timezone.now() - timedelta(days=13)
    ledger_record_sale(
        source_key="order-item:1", course=course, gross_cents=115000, currency="ZAR", occurred_at=sold_at
    )

    sign_in(page, instructor.email)
    page.goto("/payments/earnings/")
    assert "R700.00" in page.locator("[data-balance=pending]").inner_text()
    assert "R0.00" in page.locator("[data-balance=available]").inner_text()
    assert page.locator("#earnings-chart").is_visible()
    screenshot("earnings-pending")

    # Two days later the hold (14 days) has passed and the release task runs.
    assert ledger_release_due(now=sold_at + timedelta(days=14, minutes=1)) > 0
    page.reload()
    assert "R700.00" in page.locator("[data-balance=available]").inner_text()
    assert "R0.00" in page.locator("[data-balance=pending]").inner_text()

    page.click("text=Add bank details")
    page.fill("input[name=account_holder]", "Ivy Instructor")
    page.fill("input[name=bank_name]", "FNB")
    page.fill("input[name=account_number]", "62812345678")
    page.fill("input[name=branch_code]", "250655")
    page.select_option("select[name=account_type]", "cheque")
    page.click("text=Save bank details")
    page.wait_for_url("**/payments/earnings/")
    assert "FNB •••• 5678" in page.content()

    page.fill("input[name=amount]", "600")
    page.click("button:has-text('Request payout')")
    page.wait_for_load_state()
    assert "Payout request #" in page.content()
    assert "R100.00" in page.locator("[data-balance=available]").inner_text()
    assert "R600.00" in page.locator("[data-balance=in_review]").inner_text()
    screenshot("earnings-payout-requested")
    payout = PayoutRequest.objects.get()

    page.context.clear_cookies()
    sign_in(page, admin_user.email)
    page.goto("/admin/payouts/")
    page.click(f"a[href$='/admin/payouts/edit/{payout.pk}/']")
    page.wait_for_load_state()
    assert "62812345678" in page.content()
    page.fill("input[name=reference]", "EFT-2026-0042")
    screenshot("earnings-admin-decision")
    page.click("button:has-text('Approve and mark paid')")
    page.wait_for_url("**/admin/payouts/")
    assert "marked paid" in page.content()
    screenshot("earnings-admin-queue")
    payout.refresh_from_db()
    assert (payout.status, payout.reference, payout.decided_by_id) == ("approved", "EFT-2026-0042", admin_user.pk)

    page.context.clear_cookies()
    sign_in(page, instructor.email)
    page.goto("/payments/earnings/")
    assert "R600.00" in page.locator("[data-balance=paid_out]").inner_text()
    assert "EFT-2026-0042" in page.locator(f"[data-payout='{payout.pk}']").inner_text()
    screenshot("earnings-paid")
