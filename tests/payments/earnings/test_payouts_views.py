"""The instructor's earnings pages and the Wagtail admin screens: who sees what, and that
each form does what it says."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from payments.earnings.ledger import ledger_record_sale
from payments.earnings.payouts import payout_request
from payments.earnings.selectors import balances_for
from payments.models import PayoutRequest
from tests.payments.earnings.earnings_helpers import available_earnings, paid_course

pytestmark = pytest.mark.django_db

DASHBOARD = "/payments/earnings/"


def test_instructor_dashboard_shows_balances_course_month_and_ledger(client, earning_instructor):
    from django.utils import timezone

    course = paid_course(instructor=earning_instructor, title="Tax basics")
    ledger_record_sale(
        source_key="order-item:2", course=course, gross_cents=11500, currency="ZAR", occurred_at=timezone.now()
    )
    client.force_login(earning_instructor)
    html = client.get(DASHBOARD).content.decode()
    assert "R70.00" in html  # pending: R115 sale at 70%
    assert "R700.00" in html  # available
    assert "Bookkeeping" in html and "Tax basics" in html
    assert "R1 150.00" in html and "R150.00" in html  # gross and VAT of the first sale
    assert "FNB •••• 5678" in html and "62812345678" not in html
    assert 'id="earnings-chart"' in html and "chart.umd.min.js" in html
    assert 'id="earnings-chart-data"' in html


def test_dashboard_shows_a_negative_balance_with_the_sign_before_the_symbol(client, earning_instructor, admin_user):
    from django.utils import timezone

    from payments.earnings.ledger import ledger_reverse_sale
    from payments.earnings.payouts import payout_approve

    payout = payout_request(user=earning_instructor, amount_cents=70000)
    payout_approve(payout_id=payout.pk, actor=admin_user, reference="EFT-1")
    ledger_reverse_sale(source_key="order-item:1", occurred_at=timezone.now())  # refunded after the payout
    client.force_login(earning_instructor)
    html = client.get(DASHBOARD).content.decode()
    assert '<strong class="negative">-R700.00</strong>' in html
    assert "-R1 150.00" in html  # the refund's gross in the ledger
    assert "R-" not in html


def test_payout_form_is_prefilled_with_a_plain_number(client, earning_instructor):
    client.force_login(earning_instructor)
    html = client.get(DASHBOARD).content.decode()
    assert 'value="700.00"' in html and "Between R100.00 and R700.00." in html


def test_instructor_sees_only_their_own_earnings(client, earning_instructor, other_instructor):
    client.force_login(other_instructor)
    html = client.get(DASHBOARD).content.decode()
    assert "Bookkeeping" not in html and "700.00" not in html


def test_students_and_anonymous_visitors_are_kept_out(client, student):
    assert client.get(DASHBOARD).status_code == 302
    client.force_login(student)
    assert client.get(DASHBOARD).status_code == 403
    assert client.post(reverse("payments:earnings:request_payout"), {"amount": "100"}).status_code == 403
    assert client.get(reverse("payments:earnings:bank_details")).status_code == 403


def test_requesting_a_payout_in_the_browser(client, earning_instructor):
    client.force_login(earning_instructor)
    response = client.post(reverse("payments:earnings:request_payout"), {"amount": "R 500,50"}, follow=True)
    assert "Payout request #" in response.content.decode()
    assert PayoutRequest.objects.get().amount_cents == 50050
    response = client.post(reverse("payments:earnings:request_payout"), {"amount": "5000"}, follow=True)
    assert "You can request at most R199.50" in response.content.decode()
    response = client.post(reverse("payments:earnings:request_payout"), {"amount": "12.345"}, follow=True)
    assert "at most two decimals" in response.content.decode()
    assert PayoutRequest.objects.count() == 1


def test_bank_details_form_saves_encrypted_and_reports_errors(client, instructor):
    client.force_login(instructor)
    page = client.get(reverse("payments:earnings:bank_details"))
    assert page.status_code == 200
    bad = client.post(
        reverse("payments:earnings:bank_details"),
        {
            "account_holder": "Ivy",
            "bank_name": "FNB",
            "account_number": "12-ab",
            "branch_code": "250655",
            "account_type": "cheque",
        },
    )
    assert "Use 6 to 20 digits." in bad.content.decode()
    good = client.post(
        reverse("payments:earnings:bank_details"),
        {
            "account_holder": "Ivy",
            "bank_name": "Nedbank",
            "account_number": "1122 3344 55",
            "branch_code": "198765",
            "account_type": "savings",
        },
        follow=True,
    )
    assert "Nedbank •••• 4455" in good.content.decode()
    assert "1122334455" not in client.get(reverse("payments:earnings:bank_details")).content.decode()


def test_admin_queue_lists_requests_with_a_status_filter(client, earning_instructor, admin_user):
    payout = payout_request(user=earning_instructor, amount_cents=20000)
    client.force_login(admin_user)
    html = client.get(reverse("payouts:index") + "?status=requested").content.decode()
    assert "R200.00" in html and str(earning_instructor) in html
    html = client.get(reverse("payouts:index") + "?status=approved").content.decode()
    assert "R200.00" not in html
    assert client.get(reverse("payouts:add")).status_code in (302, 403)
    page = client.get(reverse("payouts:edit", args=[payout.pk])).content.decode()
    assert "62812345678" in page  # the admin needs the full number to pay


def test_admin_approves_and_rejects_in_the_wagtail_admin(client, earning_instructor, admin_user):
    first = payout_request(user=earning_instructor, amount_cents=20000)
    second = payout_request(user=earning_instructor, amount_cents=30000)
    client.force_login(admin_user)
    url = reverse("payouts:edit", args=[first.pk])
    assert client.post(url, {"decision": "approve", "reference": ""}).status_code == 400
    assert client.post(url, {"decision": "approve", "reference": "EFT-9"}).status_code == 302
    client.post(reverse("payouts:edit", args=[second.pk]), {"decision": "reject", "reason": "Wrong account"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reference, second.status) == ("approved", "EFT-9", "rejected")
    balances = balances_for(user=earning_instructor)
    assert (balances.available, balances.paid_out) == (50000, 20000)


def test_moderator_may_decide_but_not_their_own_and_instructors_not_at_all(
    client, earning_instructor, other_instructor
):
    from accounts.services import user_set_role

    payout = payout_request(user=earning_instructor, amount_cents=20000)
    url = reverse("payouts:edit", args=[payout.pk])
    client.force_login(other_instructor)
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {"decision": "approve", "reference": "x"}).status_code in (302, 403)
    assert client.get(reverse("financial-overview:index")).status_code in (302, 403)
    user_set_role(user=earning_instructor, role="admin")
    client.force_login(earning_instructor)
    page = client.get(url).content.decode()
    assert "This is your own payout request" in page
    assert client.post(url, {"decision": "approve", "reference": "x"}).status_code == 403
    payout.refresh_from_db()
    assert payout.status == "requested"


def test_financial_overview_and_csv_export(client, earning_instructor, admin_user):
    from payments.earnings.payouts import payout_approve

    payout = payout_request(user=earning_instructor, amount_cents=20000)
    payout_approve(payout_id=payout.pk, actor=admin_user, reference="EFT-1")
    client.force_login(admin_user)
    html = client.get(reverse("financial-overview:index")).content.decode()
    assert "R1 150.00" in html and "Financial overview" in html
    response = client.get(reverse("financial-overview:index") + "?export=summary")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = rows[-1]
    assert total["month"] == "total"
    # The sale was 30 days ago and the payout today: both inside the default twelve months.
    assert (int(total["gross_cents"]), int(total["vat_cents"])) == (115000, 15000)
    assert (int(total["platform_cents"]), int(total["instructors_cents"])) == (30000, 70000)
    assert (int(total["payouts_cents"]), int(total["liability_cents"])) == (20000, 50000)
    lines = client.get(reverse("financial-overview:index") + "?export=lines")
    body = b"".join(lines.streaming_content).decode()
    assert "order-item:1" in body and "payout:" in body


def test_admin_sets_an_instructors_share_in_the_viewset(client, instructor, admin_user):
    from payments.earnings.ledger import earnings_profile_for

    profile = earnings_profile_for(user=instructor)
    client.force_login(admin_user)
    response = client.post(
        reverse("earnings-profiles:edit", args=[profile.pk]), {"user": instructor.pk, "default_share_percent": "82.5"}
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.default_share_percent == Decimal("82.5")


def test_dashboard_queries_do_not_grow_with_the_number_of_sales(client, earning_instructor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(earning_instructor)
    client.get(DASHBOARD)  # warm the settings cache
    with CaptureQueriesContext(connection) as one_sale:
        assert client.get(DASHBOARD).status_code == 200
    course = paid_course(instructor=earning_instructor)
    for number in range(10):
        available_earnings(course=course, gross_cents=11500, key=f"more:{number}")
    client.get(DASHBOARD)  # publishing the new course made the cached settings stale: warm them again
    with CaptureQueriesContext(connection) as many_sales:
        assert client.get(DASHBOARD).status_code == 200
    assert len(many_sales) == len(one_sale)
