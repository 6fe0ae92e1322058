"""Reads of the earnings ledger: balances, per course, per month, and the platform overview.
Every number is a sum over LedgerEntry rows, computed when asked."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from coursepages.models import PlatformSettings
from payments.models import LedgerEntry, PayoutRequest

K = LedgerEntry.Kind
EARNING_KINDS = (K.SALE, K.REFUND)


def _sum(condition: Q | None = None):
    return Coalesce(Sum("amount_cents", filter=condition), 0)


@dataclass(frozen=True)
class Balances:
    currency: str
    pending: int
    available: int
    in_review: int
    paid_out: int
    earned: int


def revenue_by_course_for_day(*, day: date) -> dict[int | None, tuple[int, int]]:
    """{course id: (gross cents, VAT cents)} of the platform's sales less refunds on `day` (the
    site's timezone, in the platform currency), from the ledger: the same rows and the same sums
    as the financial overview, so the analytics and the overview agree. Sales without a course
    (subscriptions, deleted courses) are under None. For the analytics (settings.ANALYTICS_REVENUE_SOURCES)."""
    tz = timezone.get_default_timezone()
    since = datetime.combine(day, time.min, tzinfo=tz)
    until = datetime.combine(day, time.max, tzinfo=tz)
    rows = (
        LedgerEntry.objects.filter(
            account=LedgerEntry.Account.PLATFORM,
            kind__in=EARNING_KINDS,
            currency=PlatformSettings.load().currency,
            occurred_at__range=(since, until),
        )
        .values("course_id")
        .annotate(gross=Coalesce(Sum("gross_cents"), 0), vat=Coalesce(Sum("vat_cents"), 0))
        .order_by()
    )
    return {row["course_id"]: (row["gross"], row["vat"]) for row in rows}


def instructor_home_earnings(*, user) -> dict:
    """The earnings line of the instructor's admin home (learners.instructor_home; PaymentsConfig.ready)."""
    from django.urls import reverse

    return {"earnings": balances_for(user=user), "earnings_url": reverse("payments:earnings:dashboard")}


def balances_for(*, user, currency: str | None = None) -> Balances:
    """Pending (still in the hold), available (may be requested; negative after a refund of
    money already paid out), in review (requested, not yet decided) and paid out, in one query."""
    currency = currency or PlatformSettings.load().currency
    sums = LedgerEntry.objects.filter(instructor=user, currency=currency).aggregate(
        pending=_sum(Q(status=LedgerEntry.Status.PENDING)),
        available=_sum(Q(status=LedgerEntry.Status.AVAILABLE)),
        in_review=_sum(Q(kind=K.PAYOUT, payout__status=PayoutRequest.Status.REQUESTED)),
        paid_out=_sum(Q(kind=K.PAYOUT, payout__status=PayoutRequest.Status.APPROVED)),
        earned=_sum(Q(kind__in=EARNING_KINDS)),
    )
    return Balances(
        currency=currency,
        pending=sums["pending"],
        available=sums["available"],
        in_review=-sums["in_review"],
        paid_out=-sums["paid_out"],
        earned=sums["earned"],
    )


def earnings_by_course_for(*, user, currency: str | None = None) -> list[dict]:
    currency = currency or PlatformSettings.load().currency
    return list(
        LedgerEntry.objects.filter(instructor=user, currency=currency, kind__in=EARNING_KINDS)
        .values("course_id", "course_title")
        .annotate(
            sales=Count("pk", filter=Q(kind=K.SALE)),
            refunds=Count("pk", filter=Q(kind=K.REFUND)),
            gross=Coalesce(Sum("gross_cents"), 0),
            earned=_sum(),
            pending=_sum(Q(status=LedgerEntry.Status.PENDING)),
            available=_sum(Q(status=LedgerEntry.Status.AVAILABLE)),
        )
        .order_by("-earned", "course_title")
    )


def _month_starts(first: date, count: int) -> list[date]:
    months = []
    year, month = first.year, first.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def earnings_by_month_for(
    *, user, months: int = 12, currency: str | None = None, today: date | None = None
) -> list[dict]:
    """The last `months` calendar months (site timezone): earned (sales less refunds) and
    paid out (approved payouts, by decision date), zeros included so a chart has no gaps."""
    currency = currency or PlatformSettings.load().currency
    today = today or timezone.localdate()
    start_year, start_month = today.year, today.month - (months - 1)
    while start_month < 1:
        start_year, start_month = start_year - 1, start_month + 12
    starts = _month_starts(date(start_year, start_month, 1), months)
    since = timezone.make_aware(datetime.combine(starts[0], time.min))
    rows = LedgerEntry.objects.filter(instructor=user, currency=currency)
    earned = {
        row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["total"]
        for row in rows.filter(kind__in=EARNING_KINDS, occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(total=_sum())
        .values("month", "total")
    }
    paid = {
        row["month"].date() if isinstance(row["month"], datetime) else row["month"]: -row["total"]
        for row in rows.filter(
            kind=K.PAYOUT, payout__status=PayoutRequest.Status.APPROVED, payout__decided_at__gte=since
        )
        .annotate(month=TruncMonth("payout__decided_at"))
        .values("month")
        .annotate(total=_sum())
        .values("month", "total")
    }
    return [{"month": start, "earned": earned.get(start, 0), "paid_out": paid.get(start, 0)} for start in starts]


def ledger_for(*, user):
    """The instructor's own rows, newest first (a queryset, for pagination)."""
    return LedgerEntry.objects.filter(instructor=user).select_related("payout").order_by("-occurred_at", "-pk")


def payouts_for(*, user):
    return PayoutRequest.objects.filter(instructor=user).order_by("-created_at", "-pk")


def platform_overview(*, start: date, end: date, currency: str | None = None) -> dict:
    """Per month between `start` and `end` (inclusive, site timezone): gross, VAT, net,
    platform revenue, instructor earnings, payouts paid, and instructors' balance owed
    (liability) at each month's end. Totals for the whole range too."""
    currency = currency or PlatformSettings.load().currency
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end, time.max))
    rows = LedgerEntry.objects.filter(currency=currency)
    sales = rows.filter(kind__in=EARNING_KINDS)
    paid = rows.filter(kind=K.PAYOUT, payout__status=PayoutRequest.Status.APPROVED)

    def month_key(value):
        return value.date() if isinstance(value, datetime) else value

    money = {
        month_key(row["month"]): row
        for row in sales.filter(occurred_at__range=(since, until))
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(
            gross=Coalesce(Sum("gross_cents", filter=Q(account=LedgerEntry.Account.PLATFORM)), 0),
            vat=Coalesce(Sum("vat_cents", filter=Q(account=LedgerEntry.Account.PLATFORM)), 0),
            platform=_sum(Q(account=LedgerEntry.Account.PLATFORM)),
            instructors=_sum(Q(account=LedgerEntry.Account.INSTRUCTOR)),
            refunds=Coalesce(Sum("gross_cents", filter=Q(account=LedgerEntry.Account.PLATFORM, kind=K.REFUND)), 0),
        )
    }
    payouts = {
        month_key(row["month"]): -row["total"]
        for row in paid.filter(payout__decided_at__range=(since, until))
        .annotate(month=TruncMonth("payout__decided_at"))
        .values("month")
        .annotate(total=_sum())
    }
    liability = (
        sales.filter(account=LedgerEntry.Account.INSTRUCTOR, occurred_at__lt=since).aggregate(t=_sum())["t"]
        + paid.filter(payout__decided_at__lt=since).aggregate(t=_sum())["t"]
    )
    months = []
    first = date(start.year, start.month, 1)
    count = (end.year - first.year) * 12 + end.month - first.month + 1
    totals = {"gross": 0, "vat": 0, "net": 0, "platform": 0, "instructors": 0, "refunds": 0, "payouts": 0}
    for month in _month_starts(first, max(count, 0)):
        row = money.get(month, {})
        entry = {
            "month": month,
            "gross": row.get("gross", 0),
            "vat": row.get("vat", 0),
            "platform": row.get("platform", 0),
            "instructors": row.get("instructors", 0),
            "refunds": -row.get("refunds", 0),
            "payouts": payouts.get(month, 0),
        }
        entry["net"] = entry["gross"] - entry["vat"]
        liability += entry["instructors"] - entry["payouts"]
        entry["liability"] = liability
        for key in totals:
            totals[key] += entry[key]
        months.append(entry)
    return {
        "currency": currency,
        "start": start,
        "end": end,
        "months": months,
        "totals": totals,
        "liability": liability,
    }
