"""Checkout: price a cart (with VAT and a coupon), create the order, and send the customer
to the gateway. Prices include VAT; the order keeps subtotal, discount, VAT and total."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from coursepages.models import CoursePage, PlatformSettings
from learners.models import Enrollment
from payments.commerce.coupons import Line, coupon_apply, coupon_check, coupon_find
from payments.commerce.selectors import subscription_active_for
from payments.errors import PaymentError
from payments.gateways import CheckoutStart, GatewayError, enabled_gateways, get_gateway
from payments.models import Coupon, Order, OrderItem, Plan, Subscription
from payments.vat import vat_from_gross

CART_SESSION_KEY = "payments_cart"


@dataclass
class Quote:
    lines: list[Line]
    currency: str
    vat_rate: Decimal
    coupon: Coupon | None = None
    coupon_error: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.price_cents for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(line.discount_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents

    @property
    def vat_cents(self) -> int:
        return vat_from_gross(gross_cents=self.total_cents, rate=self.vat_rate)


def purchasable_courses(*, user, course_ids) -> list[CoursePage]:
    """The courses behind these ids, refusing any that cannot be bought by this user."""
    try:
        ids = list(dict.fromkeys(int(pk) for pk in course_ids))
    except (TypeError, ValueError):
        raise PaymentError("Course ids must be numbers.", "invalid") from None
    if not ids:
        raise PaymentError("Choose at least one course.", "empty_cart")
    courses = {course.pk: course for course in CoursePage.objects.live().filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in courses]
    if missing:
        raise PaymentError(f"No published course with id {missing[0]}.", "not_found")
    ordered = [courses[pk] for pk in ids]
    for course in ordered:
        if course.pricing != CoursePage.Pricing.ONE_TIME or not course.price_cents:
            raise PaymentError(f"“{course.title}” is not sold on its own.", "not_for_sale")
    owned = set(
        Enrollment.objects.filter(
            user=user, course__in=ordered, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED]
        ).values_list("course_id", flat=True)
    )
    for course in ordered:
        if course.pk in owned:
            raise PaymentError(f"You already have “{course.title}”.", "already_enrolled")
    if len({course.currency for course in ordered}) > 1:
        raise PaymentError("Courses priced in different currencies must be bought separately.", "currency_mix")
    return ordered


def quote_courses(*, user, courses: list[CoursePage], coupon_code: str = "", strict: bool = True) -> Quote:
    """Price these courses for this user. With `strict`, a bad coupon raises; otherwise the
    quote carries the coupon's error and no discount (for the checkout page)."""
    settings_ = PlatformSettings.load()
    quote = Quote(
        # a running sale's price is what is charged (and VAT and earnings follow it)
        lines=[Line(course=c, price_cents=c.current_price_cents(), list_price_cents=c.price_cents) for c in courses],
        currency=courses[0].currency if courses else settings_.currency,
        vat_rate=settings_.vat_rate,
    )
    if coupon_code.strip():
        try:
            coupon = coupon_find(code=coupon_code)
            coupon_check(coupon=coupon, user=user, lines=quote.lines, currency=quote.currency)
        except PaymentError as exc:
            if strict:
                raise
            quote.coupon_error = str(exc)
        else:
            coupon_apply(coupon=coupon, lines=quote.lines)
            quote.coupon = coupon
    return quote


def _gateway_for_checkout(name: str, *, subscription: bool = False):
    available = {gateway.name: gateway for gateway in enabled_gateways()}
    if name not in available:
        raise PaymentError("That payment method is not available.", "gateway_unavailable")
    gateway = available[name]
    if subscription and not gateway.supports_subscriptions:
        raise PaymentError(f"{gateway.label} cannot take subscriptions.", "gateway_unavailable")
    return gateway


@transaction.atomic
def order_create_for_courses(*, user, course_ids, gateway: str, coupon_code: str = "") -> Order:
    """A pending order for one course or a cart of several, priced now (VAT included)."""
    _gateway_for_checkout(gateway)
    courses = purchasable_courses(user=user, course_ids=course_ids)
    quote = quote_courses(user=user, courses=courses, coupon_code=coupon_code)
    order = Order.objects.create(
        user=user,
        kind=Order.Kind.COURSES,
        gateway=gateway,
        currency=quote.currency,
        subtotal_cents=quote.subtotal_cents,
        discount_cents=quote.discount_cents,
        total_cents=quote.total_cents,
        vat_rate=quote.vat_rate,
        vat_cents=quote.vat_cents,
        coupon=quote.coupon,
        coupon_code=quote.coupon.code if quote.coupon else "",
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                course=line.course,
                title=line.course.title,
                price_cents=line.price_cents,
                list_price_cents=line.list_price_cents,
                discount_cents=line.discount_cents,
                paid_cents=line.paid_cents,
            )
            for line in quote.lines
        ]
    )
    return order


@transaction.atomic
def order_create_for_plan(*, user, plan: Plan, gateway: str) -> Order:
    """A pending subscription order and the subscription it will start."""
    _gateway_for_checkout(gateway, subscription=True)
    if not plan.is_active:
        raise PaymentError("That plan is not offered any more.", "not_for_sale")
    current = subscription_active_for(user=user)
    if current and current.status == Subscription.Status.ACTIVE:
        raise PaymentError("You already have an active subscription.", "already_subscribed")
    subscription = Subscription.objects.create(user=user, plan=plan, gateway=gateway)
    return Order.objects.create(
        user=user, kind=Order.Kind.SUBSCRIPTION, **plan_order_fields(subscription=subscription, gateway=gateway)
    )


def plan_order_fields(*, subscription: Subscription, gateway: str) -> dict:
    """The fields an order for a period of `subscription`'s plan shares with every other such
    order (the first and each renewal): the plan's price, VAT included at today's rate."""
    plan = subscription.plan
    rate = PlatformSettings.load().vat_rate
    return {
        "plan": plan,
        "subscription": subscription,
        "gateway": gateway,
        "currency": plan.currency,
        "subtotal_cents": plan.price_cents,
        "total_cents": plan.price_cents,
        "vat_rate": rate,
        "vat_cents": vat_from_gross(gross_cents=plan.price_cents, rate=rate),
    }


def checkout_start(*, order: Order, absolute_url) -> str:
    """Ask the order's gateway to start; returns the URL to send the customer to.

    `absolute_url(path)` turns a path into an absolute URL (request.build_absolute_uri)."""
    gateway = get_gateway(order.gateway)
    if gateway.checkout_posts_form:
        # PayFast and Razorpay take a posted form: our own page renders and submits it.
        return absolute_url(reverse("payments:order_pay", args=[order.reference]))
    try:
        start = gateway_start(order=order, absolute_url=absolute_url)
    except GatewayError as exc:
        Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
            status=Order.Status.FAILED, failure_reason=str(exc)[:255]
        )
        raise PaymentError(str(exc), "gateway_error") from exc
    if start.gateway_reference:
        Order.objects.filter(pk=order.pk).update(gateway_reference=start.gateway_reference)
    return start.redirect_url if start.redirect_url.startswith("http") else absolute_url(start.redirect_url)


def gateway_start(*, order: Order, absolute_url) -> CheckoutStart:
    gateway = get_gateway(order.gateway)
    return gateway.start_checkout(
        order=order,
        return_url=absolute_url(reverse("payments:order_return", args=[order.reference])),
        cancel_url=absolute_url(reverse("payments:order_return", args=[order.reference]) + "?cancelled=1"),
        notify_url=absolute_url(f"/api/v1/payments/webhook/{order.gateway}/"),
    )


# The session cart: a list of course ids.


def cart_ids(session) -> list[int]:
    return [int(pk) for pk in session.get(CART_SESSION_KEY, [])]


def cart_add(session, course_id: int) -> None:
    ids = cart_ids(session)
    if int(course_id) not in ids:
        session[CART_SESSION_KEY] = ids + [int(course_id)]


def cart_remove(session, course_id: int) -> None:
    session[CART_SESSION_KEY] = [pk for pk in cart_ids(session) if pk != int(course_id)]


def cart_clear(session) -> None:
    session.pop(CART_SESSION_KEY, None)
