"""Web pages for buying: cart, checkout, subscribe, the sandbox gateway's page, the return
from a gateway, receipts, payment history and the student's subscription."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from coursepages.models import CoursePage
from payments.commerce.checkout import (
    cart_add,
    cart_clear,
    cart_ids,
    cart_remove,
    checkout_start,
    gateway_start,
    order_create_for_courses,
    order_create_for_plan,
    purchasable_courses,
    quote_courses,
)
from payments.commerce.dunning import subscription_payment_method_updated, subscription_payment_method_url
from payments.commerce.invoices import invoice_pdf
from payments.commerce.selectors import (
    courses_opened_by,
    order_history_for,
    subscription_active_for,
    subscription_current_for,
)
from payments.commerce.subscriptions import subscription_cancel, subscription_course_start
from payments.commerce.webhooks import event_record_and_apply, webhook_receive
from payments.errors import PaymentError
from payments.gateways import GatewayError, WebhookRefused, enabled_gateways, get_gateway
from payments.gateways.sandbox import build_event
from payments.models import Order, Plan, Subscription
from payments.permissions import user_may_open_order


def _own_order(request, reference) -> Order:
    order = get_object_or_404(Order.objects.select_related("plan", "user"), reference=reference)
    if not user_may_open_order(user=request.user, order=order):
        raise Http404
    return order


@login_required
def cart(request):
    ids = cart_ids(request.session)
    courses = list(CoursePage.objects.live().filter(pk__in=ids)) if ids else []
    return render(request, "payments/cart.html", {"courses": courses})


@login_required
@require_POST
def cart_update(request):
    course_id = request.POST.get("course", "")
    if not course_id.isdigit():
        messages.error(request, "Choose a course.")
    elif request.POST.get("action") == "remove":
        cart_remove(request.session, int(course_id))
    else:
        try:
            purchasable_courses(user=request.user, course_ids=[course_id])
        except PaymentError as exc:
            messages.error(request, str(exc))
        else:
            cart_add(request.session, int(course_id))
            messages.success(request, "Added to your cart.")
    return redirect("payments:cart")


@login_required
def checkout(request):
    """GET shows the order (subtotal, discount, VAT, total) with a coupon field and the
    gateways; POST places the order and sends the customer to the gateway."""
    source = request.POST if request.method == "POST" else request.GET
    from_cart = not source.get("course")
    course_ids = cart_ids(request.session) if from_cart else source.getlist("course")
    coupon_code = source.get("coupon", "").strip()
    gateways = enabled_gateways()
    try:
        courses = purchasable_courses(user=request.user, course_ids=course_ids)
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect("payments:cart" if from_cart else "/courses/")
    if request.method == "POST":
        try:
            order = order_create_for_courses(
                user=request.user,
                course_ids=[c.pk for c in courses],
                gateway=request.POST.get("gateway", ""),
                coupon_code=coupon_code,
            )
            url = checkout_start(order=order, absolute_url=request.build_absolute_uri)
        except PaymentError as exc:
            messages.error(request, str(exc))
        else:
            if from_cart:
                cart_clear(request.session)
            return redirect(url)
    quote = quote_courses(user=request.user, courses=courses, coupon_code=coupon_code, strict=False)
    return render(
        request,
        "payments/checkout.html",
        {
            "quote": quote,
            "coupon_code": coupon_code,
            "gateways": gateways,
            "from_cart": from_cart,
            "course_ids": [c.pk for c in courses],
        },
    )


@login_required
def subscribe(request):
    plans = list(
        Plan.objects.filter(is_active=True)
        .prefetch_related(Prefetch("courses", queryset=CoursePage.objects.live().order_by("title")))
        .order_by("price_cents")
    )
    gateways = [g for g in enabled_gateways() if g.supports_subscriptions]
    if request.method == "POST":
        plan = Plan.objects.filter(pk=request.POST.get("plan") or 0, is_active=True).first()
        if plan is None:
            messages.error(request, "Choose a plan.")
        else:
            try:
                order = order_create_for_plan(user=request.user, plan=plan, gateway=request.POST.get("gateway", ""))
                return redirect(checkout_start(order=order, absolute_url=request.build_absolute_uri))
            except PaymentError as exc:
                messages.error(request, str(exc))
    return render(
        request,
        "payments/subscribe.html",
        {
            "plans": plans,
            "gateways": gateways,
            "current": subscription_active_for(user=request.user),
        },
    )


def order_pay(request, reference):
    """A page that posts the signed form to a form-based gateway (PayFast). The order's
    random reference is the key, so an app can open it in a browser without a session."""
    order = get_object_or_404(Order.objects.select_related("plan", "user"), reference=reference)
    if order.status != Order.Status.PENDING:
        return redirect("payments:order_return", reference=order.reference)
    try:
        start = gateway_start(order=order, absolute_url=request.build_absolute_uri)
    except GatewayError as exc:
        return render(
            request, "payments/order_detail.html", {"order": order, "waiting": False, "error": str(exc)}, status=502
        )
    if start.redirect_url:
        return redirect(start.redirect_url)
    if start.gateway_reference:
        Order.objects.filter(pk=order.pk).update(gateway_reference=start.gateway_reference)
    return render(request, "payments/order_pay.html", {"order": order, "start": start})


@login_required
def sandbox_checkout(request, reference):
    """The sandbox gateway's own checkout page: pay or fail, then a signed event is delivered
    in-process to the same webhook service the real gateways use."""
    order = _own_order(request, reference)
    if order.gateway != "sandbox":
        raise Http404
    if request.method == "POST" and order.status == Order.Status.PENDING:
        outcome = request.POST.get("outcome")
        if outcome not in ("pay", "fail"):
            messages.error(request, "Choose pay or fail.")
        else:
            body, headers = build_event(
                event_type="payment.succeeded" if outcome == "pay" else "payment.failed",
                order_reference=str(order.reference),
                amount_cents=order.total_cents,
                currency=order.currency,
                subscription_reference=f"sbx_sub_{order.reference.hex[:16]}" if order.plan_id else "",
            )
            webhook_receive(gateway_name="sandbox", body=body, headers=headers, remote_addr="127.0.0.1")
            return redirect("payments:order_return", reference=order.reference)
    return render(request, "payments/sandbox_checkout.html", {"order": order})


@login_required
def order_return(request, reference):
    """Where gateways send the customer back. A paid single-course order goes straight to
    lesson one; a pending one waits for the webhook (or asks the gateway, for PayStack)."""
    order = _own_order(request, reference)
    if request.GET.get("cancelled") and order.status == Order.Status.PENDING:
        messages.warning(request, "You cancelled the payment; nothing was charged.")
        return render(request, "payments/order_detail.html", {"order": order, "waiting": False})
    # PayStack names its transaction ?reference=; PayPal names the approved order ?token= (and is captured now)
    returned = {"paystack": "reference", "paypal": "token"}.get(order.gateway, "")
    if order.status == Order.Status.PENDING and returned and request.GET.get(returned):
        gateway = get_gateway(order.gateway)
        if order.gateway == "paypal" and request.GET[returned] != order.gateway_reference:
            raise Http404("That PayPal order is not this order's.")
        try:
            event = gateway.verify_transaction(reference=request.GET[returned])
        except GatewayError as exc:
            messages.warning(request, f"We could not confirm the payment yet: {exc}")
        else:
            if event:
                body = json.dumps({"verify": event.event_id}).encode()
                event_record_and_apply(gateway=gateway, event=event, body=body)
        order.refresh_from_db()
    if order.status == Order.Status.PAID:
        if order.kind == Order.Kind.SUBSCRIPTION:
            messages.success(request, "Your subscription is active. Enjoy the included courses.")
            return redirect("payments:subscription")
        items = list(order.items.select_related("course"))
        if len(items) == 1:
            first = items[0].course.lessons().first()
            if first:
                messages.success(request, f"Payment received: welcome to {items[0].course.title}.")
                return redirect(first.url)
        messages.success(request, "Payment received; your courses are open.")
    return render(
        request, "payments/order_detail.html", {"order": order, "waiting": order.status == Order.Status.PENDING}
    )


@csrf_exempt
@require_POST
def razorpay_callback(request, reference):
    """Where Razorpay's hosted Checkout posts the customer back (a cross-site POST, hence no CSRF
    token): the payment signature is checked, the payment read from Razorpay and applied like a
    webhook; then the usual return page."""
    order = get_object_or_404(Order, reference=reference, gateway="razorpay")
    payment_id = request.POST.get("razorpay_payment_id", "")
    if not payment_id:  # Checkout posts error[code], error[description] when the payment failed
        messages.error(request, request.POST.get("error[description]") or "The payment did not go through.")
        return redirect("payments:order_return", reference=order.reference)
    gateway = get_gateway("razorpay")
    try:
        gateway.verify_payment_signature(
            order_id=order.gateway_reference,
            payment_id=payment_id,
            signature=request.POST.get("razorpay_signature", ""),
        )
        event = gateway.verify_transaction(reference=payment_id)
    except WebhookRefused as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    except GatewayError as exc:
        messages.warning(request, f"We could not confirm the payment yet: {exc}")
    else:
        if event:
            event_record_and_apply(gateway=gateway, event=event, body=json.dumps(dict(request.POST)).encode())
    return redirect("payments:order_return", reference=order.reference)


@login_required
def order_detail(request, reference):
    return render(request, "payments/order_detail.html", {"order": _own_order(request, reference), "waiting": False})


@login_required
def order_invoice(request, reference):
    order = _own_order(request, reference)
    if not order.invoice_number:
        raise Http404("This order has no invoice yet.")
    response = HttpResponse(invoice_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.invoice_label}.pdf"'
    return response


@login_required
def history(request):
    return render(request, "payments/history.html", {"orders": order_history_for(user=request.user)})


@login_required
def subscription(request):
    current = subscription_current_for(user=request.user)
    active = subscription_active_for(user=request.user)
    if current:
        included = courses_opened_by(plan=current.plan)
    else:
        included = (
            CoursePage.objects.live().filter(pricing=CoursePage.Pricing.SUBSCRIPTION, archived=False).order_by("title")
        )
    return render(
        request,
        "payments/subscription.html",
        {
            "current": current,
            "active": active,
            "included": included,
        },
    )


@login_required
@require_POST
def subscription_cancel_view(request):
    current = subscription_active_for(user=request.user)
    if current is None:
        raise PermissionDenied
    try:
        current = subscription_cancel(subscription=current, user=request.user)
    except PaymentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Cancelled. You keep access until {current.current_period_end:%-d %B %Y}.")
    return redirect("payments:subscription")


@login_required
@require_POST
def subscription_course_start_view(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        subscription_course_start(user=request.user, course=course)
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("payments:subscribe"))
    first = course.lessons().first()
    return redirect(first.url if first else course.url)


@login_required
def subscription_payment_method(request):
    """'Update your payment method' (the link in the failed-renewal notice): off to the
    gateway's page for the card, or an explanation when the gateway has none."""
    current = subscription_current_for(user=request.user)
    if current is None or current.status not in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
        messages.info(request, "You have no running subscription.")
        return redirect("payments:subscription")
    try:
        url = subscription_payment_method_url(
            subscription=current, return_url=request.build_absolute_uri(reverse("payments:subscription"))
        )
    except PaymentError as exc:
        messages.error(request, str(exc))
        return redirect("payments:subscription")
    if url:
        return redirect(url)
    return render(request, "payments/payment_method.html", {"current": current})


@login_required
def sandbox_payment_method(request):
    """The sandbox gateway's 'change your card' page: saving a working test card retries a
    failed renewal at once."""
    current = subscription_current_for(user=request.user)
    if current is None or current.gateway != "sandbox":
        raise Http404
    if request.method == "POST":
        charged = subscription_payment_method_updated(subscription=current, user=request.user)
        if charged:
            messages.success(request, "Card updated and the renewal paid: your subscription is active again.")
        else:
            messages.success(request, "Card updated.")
        return redirect("payments:subscription")
    return render(request, "payments/sandbox_payment_method.html", {"current": current})
