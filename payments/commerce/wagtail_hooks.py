"""The money screens in the Wagtail admin: orders and payments (read-only, filterable,
CSV export), refunds, coupons, plans, subscriptions and the raw webhook events."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.money import format_money
from core.money_fields import MoneyUnitsField
from payments.admin_columns import MoneyColumn, MoneyInspectView
from payments.commerce.refunds import LOG_ACTION, REFUNDABLE, payment_refund
from payments.errors import PaymentError
from payments.models import Coupon, Order, Payment, Plan, Subscription, WebhookEvent
from payments.permissions import user_may_refund


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Records of money are never added, edited or deleted by hand: they can only be viewed."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


for _model in (Order, Payment, Subscription, WebhookEvent):
    register_permission_policy(_model, ReadOnlyPermissionPolicy(_model))


class PaymentIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status in REFUNDABLE and user_may_refund(self.request.user):
            buttons.append(
                MenuItem("Refund", reverse("payments_refund", args=[instance.pk]), icon_name="undo", priority=40)
            )
        return buttons


class RecordViewSet(ModelViewSet):
    """A read-only record of money: listed, inspected and exported, never edited (the
    ReadOnlyPermissionPolicy), and kept out of Wagtail's reference index (saving a record in a
    checkout or webhook must not pay for reindexing it)."""

    exclude_form_fields: list = []  # never rendered: the policy allows viewing only
    inspect_view_enabled = True
    inspect_view_class = MoneyInspectView
    copy_view_enabled = False
    add_to_reference_index = False


class OrderViewSet(RecordViewSet):
    name = "money_orders"
    model = Order
    icon = "list-ul"
    menu_label = "Orders"
    # The order's number and its status in columns of their own: "Order 2 · Paid" as one
    # title squeezed by nine columns wrapped letter by letter.
    list_display = [
        TitleColumn("pk", label="Order", url_name="money_orders:inspect", accessor=lambda order: f"Order {order.pk}"),
        StatusTagColumn("get_status_display", label="Status", primary=lambda order: order.status == "paid"),
        Column("user", label="Customer"),
        Column("get_kind_display", label="Kind"),
        Column("gateway", label="Gateway"),
        MoneyColumn("total_cents", label="Total"),
        MoneyColumn("vat_cents", label="VAT"),
        MoneyColumn("discount_cents", label="Discount"),
        Column("coupon_code", label="Coupon"),
        Column("invoice_label", label="Invoice"),
        DateColumn("created_at", label="Created", sort_key="created_at"),
    ]
    list_filter = ["status", "kind", "gateway", "created_at"]
    list_export = [
        "pk",
        "reference",
        "user",
        "kind",
        "status",
        "gateway",
        "currency",
        "subtotal_cents",
        "discount_cents",
        "vat_cents",
        "total_cents",
        "coupon_code",
        "coupon_over_limit",
        "invoice_label",
        "created_at",
        "paid_at",
    ]
    export_filename = "orders"
    search_fields = ["user__email", "coupon_code", "gateway_reference"]
    inspect_view_fields = [
        "reference",
        "user",
        "kind",
        "status",
        "plan",
        "subscription",
        "gateway",
        "gateway_reference",
        "currency",
        "subtotal_cents",
        "discount_cents",
        "vat_rate",
        "vat_cents",
        "total_cents",
        "coupon_code",
        "coupon_over_limit",
        "invoice_number",
        "created_at",
        "paid_at",
        "failure_reason",
        "receipt_sent_at",
    ]


class PaymentViewSet(RecordViewSet):
    name = "money_payments"
    model = Payment
    icon = "tick-inverse"
    menu_label = "Payments"
    index_view_class = PaymentIndexView
    list_display = [
        "__str__",
        "order",
        "status",
        MoneyColumn("amount_cents", label="Amount"),
        "settled_at",
        "refunded_at",
    ]
    list_filter = ["status", "gateway", "settled_at"]
    list_export = [
        "pk",
        "order_id",
        "gateway",
        "gateway_reference",
        "amount_cents",
        "currency",
        "status",
        "settled_at",
        "refunded_at",
        "refund_reference",
        "refund_reason",
    ]
    export_filename = "payments"
    search_fields = ["gateway_reference", "order__user__email"]


class CouponAdminForm(WagtailAdminModelForm):
    amount_off_cents = MoneyUnitsField(
        label="Amount off", required=False, empty_cents=None, help_text="For fixed coupons, e.g. 50.00 (VAT included)."
    )


class PlanAdminForm(WagtailAdminModelForm):
    price_cents = MoneyUnitsField(label="Price (VAT included)", required=True, help_text="e.g. 149.00 a period.")


class CouponViewSet(ModelViewSet):
    name = "money_coupons"
    model = Coupon
    icon = "tag"
    menu_label = "Coupons"
    list_display = [
        "code",
        "kind",
        "percent_off",
        MoneyColumn("amount_off_cents", label="Amount off"),
        "valid_until",
        "max_redemptions",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "description"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel([FieldPanel("code"), FieldPanel("description"), FieldPanel("is_active")], heading="Code"),
            MultiFieldPanel(
                [FieldPanel("kind"), FieldPanel("percent_off"), FieldPanel("amount_off_cents"), FieldPanel("currency")],
                heading="Discount",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("valid_from"),
                    FieldPanel("valid_until"),
                    FieldPanel("max_redemptions"),
                    FieldPanel("max_per_user"),
                ],
                heading="Limits",
            ),
            FieldPanel("courses", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=CouponAdminForm,  # amounts typed in currency units, stored in cents
    )


class PlanViewSet(ModelViewSet):
    name = "money_plans"
    model = Plan
    icon = "date"
    menu_label = "Plans"
    list_display = ["name", "interval", MoneyColumn("price_cents", label="Price"), "access", "is_active"]
    edit_handler = ObjectList(
        [
            *(
                FieldPanel(name)
                for name in ("name", "slug", "interval", "price_cents", "currency", "is_active", "gateway_plan_codes")
            ),
            FieldPanel("access", widget=forms.RadioSelect),
            FieldPanel("courses", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=PlanAdminForm,  # the price typed in currency units, stored in cents
    )


class SubscriptionViewSet(RecordViewSet):
    name = "money_subscriptions"
    model = Subscription
    icon = "repeat"
    menu_label = "Subscriptions"
    list_display = ["__str__", "gateway", "status", "current_period_end"]
    list_filter = ["status", "gateway", "plan"]
    list_export = [
        "pk",
        "user",
        "plan",
        "status",
        "gateway",
        "gateway_subscription_id",
        "started_at",
        "current_period_end",
        "cancelled_at",
    ]
    search_fields = ["user__email", "gateway_subscription_id"]


class PastDueIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(status=Subscription.Status.PAST_DUE).select_related("user", "plan")


class PastDueSubscriptionViewSet(RecordViewSet):
    """Subscriptions whose renewal failed: when it failed, the retries so far and the next, and
    when access ends unless a renewal is paid (README "Failed renewals")."""

    name = "money_subscriptions_past_due"
    model = Subscription
    icon = "warning"
    menu_label = "Past-due subscriptions"
    list_display = ["__str__", "gateway", "past_due_since", "retry_count", "next_retry_at", "grace_ends_at"]
    list_filter = ["gateway", "plan"]
    list_export = ["pk", "user", "plan", "gateway", "past_due_since", "retry_count", "next_retry_at", "grace_ends_at"]
    search_fields = ["user__email", "gateway_subscription_id"]
    index_view_class = PastDueIndexView


class WebhookEventViewSet(RecordViewSet):
    name = "money_webhook_events"
    model = WebhookEvent
    icon = "code"
    menu_label = "Webhook events"
    list_display = ["__str__", "status", "deliveries", "received_at", "message"]
    list_filter = ["gateway", "status"]
    search_fields = ["event_id", "event_type"]


class MoneyGroup(ModelViewSetGroup):
    menu_label = "Money"
    menu_icon = "tick-inverse"
    menu_order = 250
    items = (
        OrderViewSet,
        PaymentViewSet,
        SubscriptionViewSet,
        PastDueSubscriptionViewSet,
        CouponViewSet,
        PlanViewSet,
        WebhookEventViewSet,
    )


@hooks.register("register_admin_viewset")
def register_money_viewsets():
    return MoneyGroup()


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        max_digits=12,
        help_text="In rand and cents, VAT included, e.g. 100.00. Leave blank to refund everything left.",
    )
    reason = forms.CharField(max_length=255, help_text="Shown in the log and sent to the gateway.")

    def amount_cents(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        return None if amount is None else int(amount * 100)


def refund_view(request, payment_id):
    """Confirm and run a refund, in full or in part: gateway refund, ledger reversed in
    proportion, access revoked when all is back, logged."""
    if not user_may_refund(request.user):
        raise PermissionDenied
    payment = get_object_or_404(Payment.objects.select_related("order", "order__user"), pk=payment_id)
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_refund(
                payment=payment,
                user=request.user,
                reason=form.cleaned_data["reason"],
                amount_cents=form.amount_cents(),
            )
        except PaymentError as exc:
            messages.error(request, f"Refund failed: {exc}")
        else:
            payment.refresh_from_db()
            refunded = format_money(payment.refunded_cents, payment.currency)
            if payment.status == Payment.Status.REFUNDED:
                messages.success(request, f"Refunded {refunded} in all; access revoked.")
            else:
                messages.success(request, f"Refunded {refunded} so far; access kept.")
            return redirect(reverse("money_payments:index"))
    remaining = payment.amount_cents - payment.refunded_cents
    return TemplateResponse(
        request, "payments/admin/refund.html", {"payment": payment, "form": form, "remaining": remaining}
    )


@hooks.register("register_admin_urls")
def register_refund_url():
    return [path("payments/refund/<int:payment_id>/", refund_view, name="payments_refund")]


@hooks.register("register_log_actions")
def register_payment_actions(actions):
    actions.register_action(LOG_ACTION, "Refund", "Refunded payment")
