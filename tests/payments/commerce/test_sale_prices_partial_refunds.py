"""Course sale prices with start and end dates (catalog, course page, cart and checkout show
the regular price struck through; the order, VAT and earnings follow what was paid) and
partial refunds by an admin (earnings reversed in proportion, access kept until all is back)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from coursepages.models import CoursePage, PlatformSettings
from learners.models import Enrollment
from payments.commerce.checkout import order_create_for_courses
from payments.commerce.settlement import order_ledger_record, order_settle
from payments.models import LedgerEntry, Order, Payment, PaymentRefund
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_sale(instructor):
    site = PlatformSettings.load()
    site.vat_rate, site.default_revenue_share = Decimal("0.15"), Decimal("70")
    site.save()
    now = timezone.now()
    return make_course(
        title="Django for Pros",
        instructor=instructor,
        pricing=CoursePage.Pricing.ONE_TIME,
        price_cents=49900,
        sale_price_cents=29900,
        sale_starts_at=now - timedelta(days=1),
        sale_ends_at=now + timedelta(days=1),
    )


def buy(user, course) -> Order:
    """Order and settle; then the ledger task the commit would send (tasks run eagerly here)."""
    order = order_create_for_courses(user=user, course_ids=[course.pk], gateway="sandbox")
    order_settle(
        order_reference=str(order.reference),
        gateway="sandbox",
        transaction_reference=f"txn-{order.pk}",
        amount_cents=order.total_cents,
        currency="ZAR",
    )
    order_ledger_record(order_id=order.pk)
    return order


def instructor_total(instructor) -> int:
    return LedgerEntry.objects.filter(instructor=instructor).aggregate(t=Sum("amount_cents"))["t"] or 0


def platform_total() -> int:
    return LedgerEntry.objects.filter(account="platform").aggregate(t=Sum("amount_cents"))["t"] or 0


def test_the_sale_window(on_sale):
    now = timezone.now()
    assert on_sale.on_sale() and on_sale.current_price_cents() == 29900
    assert (
        not on_sale.on_sale(now + timedelta(days=2)) and on_sale.current_price_cents(now + timedelta(days=2)) == 49900
    )
    assert not on_sale.on_sale(now - timedelta(days=2))
    on_sale.sale_price_cents = 60000
    with pytest.raises(ValidationError, match="below the price"):
        on_sale.clean()


def test_pages_strike_the_regular_price_through(client, student, on_sale):
    catalog = client.get("/courses/").content.decode()
    assert "<del" in catalog and "R499.00" in catalog and "R299.00" in catalog
    page = client.get(on_sale.url).content.decode()
    assert "<del" in page and "R299.00" in page
    client.force_login(student)
    checkout = client.get(reverse("payments:checkout") + f"?course={on_sale.pk}").content.decode()
    assert 'data-testid="list-price"' in checkout and "R499.00" in checkout and "R299.00" in checkout
    # after the sale, the regular price only
    CoursePage.objects.filter(pk=on_sale.pk).update(sale_ends_at=timezone.now() - timedelta(minutes=1))
    checkout = client.get(reverse("payments:checkout") + f"?course={on_sale.pk}").content.decode()
    assert 'data-testid="list-price"' not in checkout and "R499.00" in checkout


def test_vat_and_earnings_on_what_was_paid(student, instructor, on_sale):
    order = buy(student, on_sale)
    item = order.items.get()
    assert (order.total_cents, order.vat_cents) == (29900, 3900)
    assert (item.list_price_cents, item.price_cents, item.paid_cents) == (49900, 29900, 29900)
    # net R 260.00; 70% to the instructor
    assert instructor_total(instructor) == 18200 and platform_total() == 7800


def test_admin_refunds_part_then_the_rest(client, admin_user, student, instructor, on_sale):
    order = buy(student, on_sale)
    payment = Payment.objects.get(order=order)
    client.force_login(admin_user)
    url = reverse("payments_refund", args=[payment.pk])
    assert 'data-testid="refundable">R299.00' in client.get(url).content.decode()
    # more than was paid is refused, nothing changes
    response = client.post(url, {"amount": "300.00", "reason": "too much"})
    assert response.status_code == 200 and "Refund failed" in response.content.decode()
    assert PaymentRefund.objects.count() == 0
    # R 100.00 back: VAT 13.04, net 86.96 split 7800 : 18200 → platform 26.09, instructor 60.87
    response = client.post(url, {"amount": "100.00", "reason": "late start"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED and payment.refunded_cents == 10000
    assert instructor_total(instructor) == 18200 - 6087 and platform_total() == 7800 - 2609
    assert Enrollment.objects.get(user=student, course=on_sale).status == Enrollment.Status.ACTIVE  # access kept
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # the listing still offers a refund of the rest
    assert url in client.get(reverse("money_payments:index")).content.decode()
    assert 'data-testid="refundable">R199.00' in client.get(url).content.decode()
    # blank amount: the rest; everything nets to zero to the cent, access revoked
    assert client.post(url, {"amount": "", "reason": "cancelled"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_cents == 29900
    assert instructor_total(instructor) == 0 and platform_total() == 0
    reversed_vat = LedgerEntry.objects.filter(kind="refund", account="platform").aggregate(v=Sum("vat_cents"))["v"]
    assert reversed_vat == -3900
    assert Enrollment.objects.get(user=student, course=on_sale).status == Enrollment.Status.REVOKED
    assert [r.amount_cents for r in PaymentRefund.objects.order_by("pk")] == [10000, 19900]
    # nothing left to refund
    assert "Refund failed" in client.post(url, {"amount": "1.00", "reason": "again"}, follow=True).content.decode()
