"""Coupons: checked when the customer checks out, counted (redeemed) when the payment settles.

The rule that keeps money and limits right: a coupon is validated at checkout, and the order
records the discounted price the customer is asked to pay. Redemptions are counted only
when the payment settles, under a lock on the coupon row, so the count can never pass
`max_redemptions` (or `max_per_user`). If the last redemption went to another order between
this customer's checkout and their payment, the payment is still honoured (they paid the
price we quoted them) and the order is marked `coupon_over_limit` and logged, but no
redemption is counted for it."""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from payments.errors import PaymentError
from payments.models import Coupon, CouponRedemption

logger = logging.getLogger("payments")


@dataclass
class Line:
    course: object
    price_cents: int
    discount_cents: int = 0
    list_price_cents: int = 0  # the regular price when price_cents is a sale price

    @property
    def paid_cents(self) -> int:
        return self.price_cents - self.discount_cents


def coupon_find(*, code: str) -> Coupon:
    code = (code or "").strip().upper()
    coupon = Coupon.objects.prefetch_related("courses").filter(code=code).first() if code else None
    if coupon is None:
        raise PaymentError("That coupon code does not exist.", "coupon_not_found")
    return coupon


def coupon_check(*, coupon: Coupon, user, lines: list[Line], currency: str, now=None) -> None:
    """Refuse a coupon that cannot apply to these lines for this user now."""
    now = now or timezone.now()
    if not coupon.is_active:
        raise PaymentError("That coupon is no longer active.", "coupon_inactive")
    if coupon.valid_from and now < coupon.valid_from:
        raise PaymentError("That coupon is not valid yet.", "coupon_not_started")
    if coupon.valid_until and now >= coupon.valid_until:
        raise PaymentError("That coupon has expired.", "coupon_expired")
    if coupon.max_redemptions is not None and coupon.redemptions.count() >= coupon.max_redemptions:
        raise PaymentError("That coupon has been used up.", "coupon_exhausted")
    if user is not None and coupon.redemptions.filter(user=user).count() >= coupon.max_per_user:
        raise PaymentError("You have already used that coupon.", "coupon_already_used")
    if coupon.kind == Coupon.Kind.FIXED and coupon.currency != currency:
        raise PaymentError(f"That coupon is for {coupon.currency} prices.", "coupon_not_applicable")
    if not _eligible(coupon, lines):
        raise PaymentError("That coupon does not apply to these courses.", "coupon_not_applicable")


def _eligible(coupon: Coupon, lines: list[Line]) -> list[Line]:
    allowed = {course.pk for course in coupon.courses.all()}
    return [line for line in lines if not allowed or line.course.pk in allowed]


def coupon_apply(*, coupon: Coupon, lines: list[Line]) -> None:
    """Spread the discount over the eligible lines (percent: each line rounded half-up;
    fixed: in proportion to price, the last line taking the rounding), never below zero."""
    eligible = _eligible(coupon, lines)
    if coupon.kind == Coupon.Kind.PERCENT:
        for line in eligible:
            share = Decimal(line.price_cents) * Decimal(coupon.percent_off) / Decimal(100)
            line.discount_cents = min(line.price_cents, int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        return
    base = sum(line.price_cents for line in eligible)
    if not base:
        return
    amount = min(coupon.amount_off_cents or 0, base)
    given = 0
    for index, line in enumerate(eligible):
        if index == len(eligible) - 1:
            line.discount_cents = amount - given
        else:
            line.discount_cents = int((Decimal(amount) * line.price_cents / base).quantize(Decimal(1), ROUND_HALF_UP))
            given += line.discount_cents


def coupon_redeem_for_order(*, order) -> CouponRedemption | None:
    """Count the order's coupon, inside the settle transaction, under the coupon row's lock."""
    if not order.coupon_id:
        return None
    coupon = Coupon.objects.select_for_update().get(pk=order.coupon_id)
    total = CouponRedemption.objects.filter(coupon=coupon).count()
    mine = CouponRedemption.objects.filter(coupon=coupon, user_id=order.user_id).count()
    if (coupon.max_redemptions is not None and total >= coupon.max_redemptions) or mine >= coupon.max_per_user:
        order.coupon_over_limit = True
        order.save(update_fields=["coupon_over_limit"])
        logger.warning(
            "coupon %s exhausted before order %s settled; payment honoured, not counted", coupon.code, order.pk
        )
        return None
    return CouponRedemption.objects.create(
        coupon=coupon, user_id=order.user_id, order=order, discount_cents=order.discount_cents
    )
