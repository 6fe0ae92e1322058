"""Instructor earnings and payouts in the JSON API (docs/api.md).

`router` is mounted at /api/v1/instructor/ and `admin_router` at /api/v1/admin/ by api/v1.py.
Thin: reads come from payments.earnings.selectors, writes from payments.earnings.payouts."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from api.auth import user_auth
from api.errors import ErrorOut
from api.pagination import PageNumber, PageSize, page_of
from api.schemas import MoneyOut, RowId
from core.money import money_json
from coursepages.models import PlatformSettings
from payments.earnings.payouts import payout_approve, payout_reject, payout_request
from payments.earnings.selectors import balances_for, earnings_by_course_for, earnings_by_month_for, ledger_for
from payments.models import PayoutRequest
from payments.permissions import user_has_earnings, user_may_decide_payouts

router = Router(tags=["instructor earnings"], auth=user_auth)
admin_router = Router(tags=["admin payouts"], auth=user_auth)


Error = ErrorOut


Money = MoneyOut


class PayoutIn(Schema):
    amount: int
    note: str = ""


class ApproveIn(Schema):
    reference: str


class RejectIn(Schema):
    reason: str


class PayoutOut(Schema):
    id: int
    instructor_id: int
    instructor_name: str
    amount: Money
    status: str
    bank_account: str
    note: str
    reference: str
    rejection_reason: str
    created_at: datetime
    decided_at: datetime | None


class LedgerRow(Schema):
    id: int
    occurred_at: datetime
    kind: str
    source_key: str
    course_id: int | None
    course_title: str
    gross: Money
    vat: Money
    net: Money
    basis: Money
    share_percent: str | None
    amount: Money
    status: str
    available_at: datetime
    payout_id: int | None


class Page(Schema):
    count: int
    next: str | None
    previous: str | None


class LedgerPage(Page):
    results: list[LedgerRow]


class PayoutPage(Page):
    results: list[PayoutOut]


class CourseEarnings(Schema):
    course_id: int | None
    course_title: str
    sales: int
    refunds: int
    pending: Money
    available: Money
    earned: Money


class MonthEarnings(Schema):
    month: date
    earned: Money
    paid_out: Money


class Balances(Schema):
    pending: Money
    available: Money
    in_review: Money
    paid_out: Money
    earned: Money


class EarningsOut(Schema):
    balances: Balances
    payout_threshold: Money
    by_course: list[CourseEarnings]
    by_month: list[MonthEarnings]
    ledger: LedgerPage


def _payout(payout: PayoutRequest) -> dict:
    return {
        "id": payout.pk,
        "instructor_id": payout.instructor_id,
        "instructor_name": str(payout.instructor),
        "amount": money_json(payout.amount_cents, payout.currency),
        "status": payout.status,
        "bank_account": payout.bank_details_masked,
        "note": payout.note,
        "reference": payout.reference,
        "rejection_reason": payout.rejection_reason,
        "created_at": payout.created_at,
        "decided_at": payout.decided_at,
    }


def _ledger_row(row) -> dict:
    c = row.currency
    return {
        "id": row.pk,
        "occurred_at": row.occurred_at,
        "kind": row.kind,
        "source_key": row.source_key,
        "course_id": row.course_id,
        "course_title": row.course_title,
        "gross": money_json(row.gross_cents, c),
        "vat": money_json(row.vat_cents, c),
        "net": money_json(row.net_cents, c),
        "basis": money_json(row.basis_cents, c),
        "share_percent": None if row.share_percent is None else str(row.share_percent),
        "amount": money_json(row.amount_cents, c),
        "status": row.status,
        "available_at": row.available_at,
        "payout_id": row.payout_id,
    }


NOT_INSTRUCTOR = Status(403, {"detail": "Earnings are for instructors.", "code": "not_instructor"})
NOT_ADMIN = Status(403, {"detail": "Only administrators decide payouts.", "code": "not_allowed"})


@router.get("/earnings/", response={200: EarningsOut, 403: Error})
def earnings(request, page: PageNumber = 1, page_size: PageSize = 20):
    """Pending, available, in-review and paid-out balances, per course, per month, and the ledger."""
    if not user_has_earnings(request.user):
        return NOT_INSTRUCTOR
    site = PlatformSettings.load()
    user, currency = request.user, site.currency
    balances = balances_for(user=user, currency=currency)
    ledger = page_of(request, ledger_for(user=user), page=page, page_size=page_size)
    ledger["results"] = [_ledger_row(row) for row in ledger["results"]]
    return {
        "balances": {
            name: money_json(getattr(balances, name), currency)
            for name in ("pending", "available", "in_review", "paid_out", "earned")
        },
        "payout_threshold": money_json(site.payout_threshold_cents, currency),
        "by_course": [
            {
                "course_id": row["course_id"],
                "course_title": row["course_title"],
                "sales": row["sales"],
                "refunds": row["refunds"],
                **{k: money_json(row[k], currency) for k in ("pending", "available", "earned")},
            }
            for row in earnings_by_course_for(user=user, currency=currency)
        ],
        "by_month": [
            {
                "month": row["month"],
                "earned": money_json(row["earned"], currency),
                "paid_out": money_json(row["paid_out"], currency),
            }
            for row in earnings_by_month_for(user=user, currency=currency)
        ],
        "ledger": ledger,
    }


@router.post("/payouts/request/", response={201: PayoutOut, 400: Error, 403: Error})
def request_payout(request, payload: PayoutIn):
    """Ask for `amount` cents of the available balance: 400 `below_threshold`, `over_available`,
    `no_bank_details` or `invalid_amount`."""
    if not user_has_earnings(request.user):
        return NOT_INSTRUCTOR
    payout = payout_request(user=request.user, amount_cents=payload.amount, note=payload.note)
    return Status(201, _payout(payout))


@admin_router.get("/payouts/pending/", response={200: PayoutPage, 403: Error})
def pending_payouts(request, page: PageNumber = 1, page_size: PageSize = 20):
    """Payout requests awaiting a decision, oldest first."""
    if not user_may_decide_payouts(user=request.user):
        return NOT_ADMIN
    items = (
        PayoutRequest.objects.filter(status=PayoutRequest.Status.REQUESTED)
        .select_related("instructor")
        .order_by("created_at", "pk")
    )
    result = page_of(request, items, page=page, page_size=page_size)
    result["results"] = [_payout(payout) for payout in result["results"]]
    return result


@admin_router.put(
    "/payouts/{payout_id}/approve/", response={200: PayoutOut, 400: Error, 403: Error, 404: Error, 409: Error}
)
def approve_payout(request, payout_id: RowId, payload: ApproveIn):
    """Mark the payout paid with the transfer's `reference`. Never one's own."""
    if not user_may_decide_payouts(user=request.user):
        return NOT_ADMIN
    get_object_or_404(PayoutRequest, pk=payout_id)
    payout = payout_approve(payout_id=payout_id, actor=request.user, reference=payload.reference)
    return Status(200, _payout(payout))


@admin_router.put(
    "/payouts/{payout_id}/reject/", response={200: PayoutOut, 400: Error, 403: Error, 404: Error, 409: Error}
)
def reject_payout(request, payout_id: RowId, payload: RejectIn):
    """Refuse the payout with a `reason`; the money returns to the instructor's available balance."""
    if not user_may_decide_payouts(user=request.user):
        return NOT_ADMIN
    get_object_or_404(PayoutRequest, pk=payout_id)
    payout = payout_reject(payout_id=payout_id, actor=request.user, reason=payload.reason)
    return Status(200, _payout(payout))
