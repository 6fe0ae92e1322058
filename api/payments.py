"""Payments: start a checkout, the gateways' webhooks, payment history, coupons, subscription."""

from datetime import datetime

from django.http import JsonResponse
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from core.money import money_json
from payments.commerce.checkout import (
    checkout_start,
    order_create_for_courses,
    order_create_for_plan,
    purchasable_courses,
    quote_courses,
)
from payments.commerce.selectors import order_history_for, subscription_current_for
from payments.commerce.webhooks import webhook_receive
from payments.errors import PaymentError
from payments.models import Plan

from .auth import user_auth
from .errors import ApiError, refusals
from .pagination import Paginated
from .ratelimit import client_ip
from .schemas import MoneyOut, PageId, RowId

router = Router(tags=["payments"])


Money = MoneyOut


class InitiateIn(Schema):
    course_ids: list[PageId] | None = None
    plan_id: RowId | None = None
    gateway: str
    coupon_code: str = ""


class InitiateOut(Schema):
    order_id: int
    redirect_url: str


@router.post("/payments/initiate/", response={201: InitiateOut, **refusals(403, 404, 409, 502)}, auth=user_auth)
def initiate(request, payload: InitiateIn):
    """Create an order for courses (or a plan) and get the URL to send the customer to."""
    if bool(payload.course_ids) == bool(payload.plan_id):
        raise ApiError(
            400,
            "Give either course_ids or plan_id.",
            "invalid",
            errors={"course_ids": ["Give either course_ids or plan_id."]},
        )
    if payload.plan_id:
        plan = Plan.objects.filter(pk=payload.plan_id, is_active=True).first()
        if plan is None:
            raise ApiError(404, "No such plan.", "not_found")
        order = order_create_for_plan(user=request.user, plan=plan, gateway=payload.gateway)
    else:
        order = order_create_for_courses(
            user=request.user, course_ids=payload.course_ids, gateway=payload.gateway, coupon_code=payload.coupon_code
        )
    url = checkout_start(order=order, absolute_url=request.build_absolute_uri)
    return Status(201, {"order_id": order.pk, "redirect_url": url})


class WebhookReplyOut(Schema):
    detail: str


# 400 a malformed or refused event, 401 a bad signature, 403 a sender that is not the gateway,
# 503 not configured here or the gateway could not be asked: the gateway retries later.
WEBHOOK_REPLIES = dict.fromkeys((200, 400, 401, 403, 404, 503), WebhookReplyOut)


def _webhook(request, gateway: str):
    result = webhook_receive(
        gateway_name=gateway, body=request.body, headers=request.headers, remote_addr=client_ip(request)
    )
    return JsonResponse({"detail": result.detail}, status=result.status)


@router.post("/payments/webhook/paystack/", auth=None, response=WEBHOOK_REPLIES)
def webhook_paystack(request):
    """PayStack events, signed with x-paystack-signature."""
    return _webhook(request, "paystack")


@router.post("/payments/webhook/payfast/", auth=None, response=WEBHOOK_REPLIES)
def webhook_payfast(request):
    """PayFast ITN (form-encoded, signed fields)."""
    return _webhook(request, "payfast")


@router.post("/payments/webhook/stripe/", auth=None, response=WEBHOOK_REPLIES)
def webhook_stripe(request):
    """Stripe events, signed with Stripe-Signature."""
    return _webhook(request, "stripe")


@router.post("/payments/webhook/paypal/", auth=None, response=WEBHOOK_REPLIES)
def webhook_paypal(request):
    """PayPal events, verified with PayPal's verify-webhook-signature (PAYPAL-TRANSMISSION-* headers)."""
    return _webhook(request, "paypal")


@router.post("/payments/webhook/razorpay/", auth=None, response=WEBHOOK_REPLIES)
def webhook_razorpay(request):
    """Razorpay events, signed with X-Razorpay-Signature."""
    return _webhook(request, "razorpay")


@router.post("/payments/webhook/sandbox/", auth=None, response=WEBHOOK_REPLIES)
def webhook_sandbox(request):
    """The on-site sandbox gateway's events, signed with X-Sandbox-Signature."""
    return _webhook(request, "sandbox")


class OrderLineOut(Schema):
    course_id: int
    title: str
    price: Money
    discount: Money
    paid: Money


class OrderOut(Schema):
    id: int
    kind: str
    status: str
    gateway: str
    created_at: datetime
    paid_at: datetime | None
    description: str
    lines: list[OrderLineOut]
    subtotal: Money
    discount: Money
    vat: Money
    vat_rate: str
    total: Money
    coupon_code: str
    invoice_number: str | None
    receipt_url: str | None


class OrderRows(Paginated):
    """Paginate the queryset, then build the rows of that page only."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["results"] = [_order_out(request, order) for order in page["results"]]
        return page


def _order_out(request, order) -> dict:
    c = order.currency
    items = list(order.items.all())
    return {
        "id": order.pk,
        "kind": order.kind,
        "status": order.status,
        "gateway": order.gateway,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "description": order.plan.name if order.plan_id else ", ".join(i.title for i in items),
        "lines": [
            {
                "course_id": i.course_id,
                "title": i.title,
                "price": money_json(i.price_cents, c),
                "discount": money_json(i.discount_cents, c),
                "paid": money_json(i.paid_cents, c),
            }
            for i in items
        ],
        "subtotal": money_json(order.subtotal_cents, c),
        "discount": money_json(order.discount_cents, c),
        "vat": money_json(order.vat_cents, c),
        "vat_rate": str(order.vat_rate),
        "total": money_json(order.total_cents, c),
        "coupon_code": order.coupon_code,
        "invoice_number": order.invoice_label or None,
        "receipt_url": request.build_absolute_uri(reverse("payments:order_invoice", args=[order.reference]))
        if order.invoice_number
        else None,
    }


@router.get("/payments/history/", response=list[OrderOut], auth=user_auth)
@paginate(OrderRows)
def history(request, **kwargs):
    """The user's own orders, newest first, with the VAT breakdown and receipt links."""
    return order_history_for(user=request.user)


class CouponIn(Schema):
    code: str
    course_ids: list[PageId]


class CouponOut(Schema):
    code: str
    discount: Money
    subtotal: Money
    total: Money
    vat: Money


@router.post("/coupons/validate/", response={200: CouponOut, **refusals(403, 404, 409)}, auth=user_auth)
def coupon_validate(request, payload: CouponIn):
    """What a coupon takes off these courses for this user (nothing is reserved)."""
    courses = purchasable_courses(user=request.user, course_ids=payload.course_ids)
    quote = quote_courses(user=request.user, courses=courses, coupon_code=payload.code or " ")
    if quote.coupon is None:
        raise PaymentError("Enter a coupon code.", "coupon_not_found")
    c = quote.currency
    return {
        "code": quote.coupon.code,
        "discount": money_json(quote.discount_cents, c),
        "subtotal": money_json(quote.subtotal_cents, c),
        "total": money_json(quote.total_cents, c),
        "vat": money_json(quote.vat_cents, c),
    }


class PlanOut(Schema):
    id: int
    name: str
    interval: str
    price: Money


class SubscriptionOut(Schema):
    active: bool
    plan: PlanOut | None = None
    status: str | None = None
    gateway: str | None = None
    renews_at: datetime | None = None
    ends_at: datetime | None = None


@router.get("/subscriptions/me/", response=SubscriptionOut, auth=user_auth)
def subscription_me(request):
    """The current plan and status; renews_at while it renews, ends_at once it will not."""
    from payments.commerce.selectors import subscription_active_for

    current = subscription_current_for(user=request.user)
    if current is None:
        return {"active": False}
    renewing = current.status == current.Status.ACTIVE
    return {
        "active": subscription_active_for(user=request.user) is not None,
        "plan": {
            "id": current.plan.pk,
            "name": current.plan.name,
            "interval": current.plan.interval,
            "price": money_json(current.plan.price_cents, current.plan.currency),
        },
        "status": current.status,
        "gateway": current.gateway,
        "renews_at": current.current_period_end if renewing else None,
        "ends_at": None if renewing else current.current_period_end,
    }
