"""The analytics screens are current: a sale made today shows at once (no roll-up has run),
and the analytics and the financial overview give the same revenue and VAT for the same days."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from coursepages.models import CoursePage
from learners.analytics.services import analytics_rollup_day
from learners.models import DailySiteStats
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.settlement import order_ledger_record, order_settle
from payments.earnings.ledger import ledger_record_sale, ledger_reverse_sale
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _card(text: str, label: str) -> str:
    return re.search(rf"{re.escape(label)} (\S+)", text).group(1)


def _overview_totals(text: str) -> tuple[str, str]:
    gross, vat = re.search(r"Total (R[\d ]+\.\d\d) (R[\d ]+\.\d\d)", text).groups()
    return gross, vat


@pytest.fixture
def course(instructor):
    return make_course(
        title="Bookkeeping", instructor=instructor, pricing=CoursePage.Pricing.ONE_TIME, price_cents=49900
    )


def _buy(student, course):
    order = order_create_for_courses(user=student, course_ids=[course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference=f"t-{order.pk}",
        amount_cents=order.total_cents,
        currency="ZAR",
    )
    order_ledger_record(order_id=order.pk)  # the task the commit sends (its ledger rows)


def test_a_sale_today_shows_on_the_analytics_at_once_and_agrees_with_the_overview(
    client, admin_user, instructor, student, course
):
    _buy(student, course)
    assert not DailySiteStats.objects.exists()  # no roll-up has run
    today = timezone.localdate()
    client.force_login(admin_user)

    analytics = _text(client.get(f"/admin/analytics/?start={today}&end={today}").content.decode())
    assert _card(analytics, "Revenue (incl. VAT)") == "R499.00"
    assert _card(analytics, "VAT") == "R65.09"
    assert _card(analytics, "Enrollments") == "1"
    assert "Bookkeeping 1 0 R499.00" in analytics  # top courses

    overview = _text(client.get(f"/admin/financial-overview/?from={today}&to={today}").content.decode())
    assert _overview_totals(overview) == ("R499.00", "R65.09")

    client.force_login(instructor)
    courses = _text(client.get(f"/admin/analytics/courses/?start={today}&end={today}").content.decode())
    assert "R499.00" in courses


def test_rolled_up_days_and_the_open_day_add_up_like_the_overview(client, admin_user, student, course):
    # An earlier sale (rolled up that night) and a refund of it, then today's sale.
    earlier = timezone.now() - timedelta(days=10)
    ledger_record_sale(source_key="earlier-1", course=course, gross_cents=39920, currency="ZAR", occurred_at=earlier)
    ledger_record_sale(source_key="earlier-2", course=course, gross_cents=49900, currency="ZAR", occurred_at=earlier)
    ledger_reverse_sale(source_key="earlier-2", occurred_at=earlier + timedelta(days=1))
    for day in (timezone.localdate(earlier), timezone.localdate(earlier + timedelta(days=1))):
        analytics_rollup_day(day=day)
    _buy(student, course)
    start, end = timezone.localdate() - timedelta(days=29), timezone.localdate()
    client.force_login(admin_user)

    analytics = _text(client.get(f"/admin/analytics/?start={start}&end={end}").content.decode())
    overview = _text(client.get(f"/admin/financial-overview/?from={start}&to={end}").content.decode())
    gross, vat = _overview_totals(overview)
    assert gross == "R898.20"  # R399.20 + R499.00 - R499.00 refunded + R499.00 today
    assert (_card(analytics, "Revenue (incl. VAT)"), _card(analytics, "VAT")) == (gross, vat)
