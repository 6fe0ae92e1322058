"""Ledger services: record a settled sale, reverse it on refund, release held earnings.

The commerce side calls `ledger_record_sale` when a payment settles and `ledger_reverse_sale`
when it is refunded; both are idempotent on `source_key`. Every write that changes an
instructor's balance happens while that instructor's InstructorEarningsProfile row is
locked, the same lock a payout request takes, so a balance is never read half-written."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from coursepages.models import CourseInstructor, CoursePage, PlatformSettings
from payments.models import InstructorEarningsProfile, LedgerEntry
from payments.vat import vat_from_gross

HUNDRED = Decimal(100)


def percent_of(*, cents: int, percent: Decimal) -> int:
    """`percent`% of `cents`, rounded half-up to the cent (away from zero for negatives)."""
    return int((Decimal(cents) * Decimal(percent) / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_by_weights(*, total: int, weights: list[int]) -> list[int]:
    """Split `total` cents in proportion to `weights` with the largest-remainder method, so the
    parts add up to `total` exactly. Ties go to the earlier weight; all-zero weights split evenly."""
    if not weights:
        return []
    if total < 0:
        return [-part for part in split_by_weights(total=-total, weights=weights)]
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    parts = [total * weight // weight_sum for weight in weights]
    remainders = [total * weight % weight_sum for weight in weights]
    left = total - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def earnings_profile_for(*, user) -> InstructorEarningsProfile:
    return earnings_profile_for_id(user_id=user.pk)


def earnings_profile_for_id(*, user_id: int) -> InstructorEarningsProfile:
    profile, _ = InstructorEarningsProfile.objects.get_or_create(user_id=user_id)
    return profile


def lock_earnings_profiles(*, user_ids) -> list[InstructorEarningsProfile]:
    """Lock these instructors' profile rows (in a fixed order, so two lockers never deadlock).
    Must run inside a transaction."""
    ids = sorted(set(user_ids))
    for user_id in ids:
        InstructorEarningsProfile.objects.get_or_create(user_id=user_id)
    return list(InstructorEarningsProfile.objects.select_for_update().filter(user_id__in=ids).order_by("user_id"))


def instructor_share_percent(
    *, course: CoursePage, profile: InstructorEarningsProfile, site: PlatformSettings
) -> Decimal:
    """The course's override, else the instructor's default, else the site default."""
    if course.revenue_share_override is not None:
        return Decimal(course.revenue_share_override)
    if profile.default_share_percent is not None:
        return Decimal(profile.default_share_percent)
    return Decimal(site.default_revenue_share)


def _course_instructors(course: CoursePage) -> list[tuple[int, int]]:
    """(user id, weight) of the course's instructors in their editor order; the page owner
    when none is listed."""
    rows = list(
        CourseInstructor.objects.filter(page_id=course.pk).order_by("sort_order", "pk").values_list("user_id", "weight")
    )
    if not rows and course.owner_id:
        rows = [(course.owner_id, 1)]
    return rows


def _existing(source_key: str, kind: str) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(source_key=source_key, kind=kind).order_by("line"))


def _write_once(rows: list[LedgerEntry], *, source_key: str, kind: str) -> list[LedgerEntry]:
    """Write `rows` (all of `kind` under `source_key`) and return them as stored. When a concurrent
    twin wrote the same rows first, the unique constraint refuses ours and its rows are the answer."""
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(rows)
    except IntegrityError:
        existing = _existing(source_key, kind)
        if existing:
            return existing
        raise
    return _existing(source_key, kind)


def ledger_record_sale(
    *, source_key: str, course: CoursePage, gross_cents: int, currency: str, occurred_at: datetime
) -> list[LedgerEntry]:
    """Write the ledger rows of one settled payment for one course. Idempotent on `source_key`:
    a second call (retry, replayed webhook, concurrent twin) returns the rows of the first."""
    if gross_cents < 0:
        raise ValueError("gross_cents must not be negative.")
    existing = _existing(source_key, LedgerEntry.Kind.SALE)
    if existing:
        return existing
    site = PlatformSettings.load()
    rate = Decimal(site.vat_rate)
    vat = vat_from_gross(gross_cents=gross_cents, rate=rate)
    net = gross_cents - vat
    available_at = occurred_at + timedelta(days=site.hold_days)
    instructors = _course_instructors(course)
    profiles = {uid: earnings_profile_for_id(user_id=uid) for uid, _ in instructors}
    portions = split_by_weights(total=net, weights=[weight for _, weight in instructors])
    common = dict(
        source_key=source_key,
        kind=LedgerEntry.Kind.SALE,
        course=course,
        course_title=course.title[:255],
        currency=currency,
        gross_cents=gross_cents,
        vat_cents=vat,
        net_cents=net,
        vat_rate=rate,
        occurred_at=occurred_at,
        available_at=available_at,
    )
    rows = []
    percents = []
    for line, ((user_id, _weight), portion) in enumerate(zip(instructors, portions, strict=True), start=1):
        percent = instructor_share_percent(course=course, profile=profiles[user_id], site=site)
        percents.append(percent)
        rows.append(
            LedgerEntry(
                line=line,
                account=LedgerEntry.Account.INSTRUCTOR,
                instructor_id=user_id,
                basis_cents=portion,
                share_percent=percent,
                amount_cents=percent_of(cents=portion, percent=percent),
                **common,
            )
        )
    platform_amount = net - sum(row.amount_cents for row in rows)
    if not percents:
        platform_percent = HUNDRED
    elif len(set(percents)) == 1:
        platform_percent = HUNDRED - percents[0]
    else:  # instructors on different percentages: record the effective one
        platform_percent = (Decimal(platform_amount) * HUNDRED / net).quantize(Decimal("0.01")) if net else None
    rows.insert(
        0,
        LedgerEntry(
            line=0,
            account=LedgerEntry.Account.PLATFORM,
            basis_cents=net,
            share_percent=platform_percent,
            amount_cents=platform_amount,
            **common,
        ),
    )
    return _write_once(rows, source_key=source_key, kind=LedgerEntry.Kind.SALE)


def ledger_reverse_sale(
    *, source_key: str, occurred_at: datetime, refund_key: str = "", refunded_gross_cents: int | None = None
) -> list[LedgerEntry]:
    """Write negative twins of a sale's rows (a refund). Idempotent per refund.

    A full refund (no `refunded_gross_cents`) reverses every row exactly. A partial refund
    names `refund_key` (one per refund) and the gross refunded so far in all (cumulative):
    the reversals are brought to that share of the sale, VAT on the refunded gross and the
    net split over the rows in proportion to their amounts, so a payment refunded in parts
    ends exactly where a full refund would. A row still pending is reversed as pending (both
    release together and cancel out); a row already available is reversed at once, so after
    a payout the instructor's balance may go negative and later earnings repay it. Returns
    [] when no sale was recorded under `source_key`."""
    originals = _existing(source_key, LedgerEntry.Kind.SALE)
    if not originals:
        return []
    reversal_key = f"{source_key}~{refund_key}" if refund_key else source_key
    with transaction.atomic():
        lock_earnings_profiles(user_ids=[row.instructor_id for row in originals if row.instructor_id])
        already = _existing(reversal_key, LedgerEntry.Kind.REFUND)
        if already:
            return already
        now = timezone.now()
        originals = list(
            LedgerEntry.objects.select_for_update().filter(pk__in=[row.pk for row in originals]).order_by("line")
        )
        head = originals[0]
        gross = head.gross_cents
        if refunded_gross_cents is None or refunded_gross_cents >= gross:
            target_gross, target_vat = gross, head.vat_cents
            targets = [row.amount_cents for row in originals]
        else:
            target_gross = max(0, int(refunded_gross_cents))
            target_vat = vat_from_gross(gross_cents=target_gross, rate=head.vat_rate or Decimal(0))
            targets = split_by_weights(total=target_gross - target_vat, weights=[row.amount_cents for row in originals])
        prior = reversed_so_far(originals=originals)
        prior_head = prior.get(head.pk, {"gross": 0, "vat": 0})
        refund_gross = target_gross - prior_head["gross"]
        refund_vat = target_vat - prior_head["vat"]
        rows = []
        for original, target in zip(originals, targets, strict=True):
            delta = target - prior.get(original.pk, {}).get("amount", 0)
            basis = (
                int(Decimal(original.basis_cents) * Decimal(delta) / Decimal(original.amount_cents))
                if original.amount_cents
                else 0
            )
            rows.append(
                reversal_row(
                    original,
                    source_key=reversal_key,
                    amount_cents=delta,
                    basis_cents=basis,
                    occurred_at=occurred_at,
                    now=now,
                    gross_cents=-refund_gross,
                    vat_cents=-refund_vat,
                    net_cents=-(refund_gross - refund_vat),
                    vat_rate=original.vat_rate,
                )
            )
        return _write_once(rows, source_key=reversal_key, kind=LedgerEntry.Kind.REFUND)


def reversal_row(
    original: LedgerEntry, *, source_key: str, amount_cents: int, basis_cents: int, occurred_at, now, **money
) -> LedgerEntry:
    """The refund row that takes `amount_cents` (and `basis_cents`) back from `original`: same
    account, line, instructor and course; still pending if the original is, otherwise released
    now. `money` carries the head row's gross/VAT columns where the refund has them."""
    pending = original.status == LedgerEntry.Status.PENDING
    return LedgerEntry(
        source_key=source_key,
        kind=LedgerEntry.Kind.REFUND,
        account=original.account,
        line=original.line,
        instructor_id=original.instructor_id,
        course_id=original.course_id,
        course_title=original.course_title,
        reverses=original,
        currency=original.currency,
        basis_cents=-basis_cents,
        share_percent=original.share_percent,
        amount_cents=-amount_cents,
        occurred_at=occurred_at,
        status=original.status,
        available_at=original.available_at if pending else occurred_at,
        released_at=None if pending else now,
        **money,
    )


def reversed_so_far(*, originals: list[LedgerEntry]) -> dict[int, dict[str, int]]:
    """{original row id: {"amount", "gross", "vat"}} already reversed, as positive numbers."""
    from django.db.models import Sum

    sums = (
        LedgerEntry.objects.filter(reverses__in=originals)
        .values("reverses_id")
        .annotate(amount=Sum("amount_cents"), gross=Sum("gross_cents"), vat=Sum("vat_cents"))
    )
    return {row["reverses_id"]: {key: -row[key] for key in ("amount", "gross", "vat")} for row in sums}


def ledger_release_due(*, now: datetime | None = None) -> int:
    """Make every pending row whose hold has passed available. Safe to run twice or in two
    workers at once: each instructor's rows are released under their profile lock, and an
    already-released row is not touched again. Returns the number of rows released."""
    now = now or timezone.now()
    due = LedgerEntry.objects.filter(status=LedgerEntry.Status.PENDING, available_at__lte=now)
    released = 0
    instructor_ids = sorted(set(due.exclude(instructor=None).values_list("instructor_id", flat=True)))
    for instructor_id in instructor_ids:
        with transaction.atomic():
            lock_earnings_profiles(user_ids=[instructor_id])
            released += due.filter(instructor_id=instructor_id).update(
                status=LedgerEntry.Status.AVAILABLE, released_at=now
            )
    released += due.filter(instructor=None).update(status=LedgerEntry.Status.AVAILABLE, released_at=now)
    return released
