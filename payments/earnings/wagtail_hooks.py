"""Wagtail admin for earnings: the payout queue (approve/reject), instructors' revenue
shares, and the financial overview with CSV export — grouped under one "Earnings" menu."""

import csv
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.dbrouter import reads_from_replica
from core.errors import status_for
from payments.admin_columns import MoneyColumn
from payments.earnings.crypto import BankDetailsUnreadable
from payments.earnings.payouts import ACCOUNT_TYPES, PayoutError, bank_details_for, payout_approve, payout_reject
from payments.earnings.selectors import balances_for, platform_overview
from payments.models import InstructorEarningsProfile, LedgerEntry, PayoutRequest, SubscriptionEarningsPeriod
from payments.permissions import user_may_decide_payouts


@hooks.register("register_log_actions")
def register_earnings_actions(actions):
    actions.register_action("lectern.payout.requested", "Request payout", "Requested a payout")
    actions.register_action("lectern.payout.approved", "Approve payout", "Approved and paid a payout")
    actions.register_action("lectern.payout.rejected", "Reject payout", "Rejected a payout")
    actions.register_action("lectern.earnings.bank_details_changed", "Change bank details", "Changed bank details")


class DecideOnlyPolicy(ModelPermissionPolicy):
    """Payout requests and earnings profiles are created by instructors' own actions and never
    deleted (the ledger points at them); admins may only view and change (decide, set shares)."""

    def __init__(self, model, *, allow_add=False):
        super().__init__(model)
        self.allow_add = allow_add

    def user_has_permission(self, user, action):
        if action == "delete" or (action == "add" and not self.allow_add):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Written by the close task only: admins look, never edit."""

    def user_has_permission(self, user, action):
        return action not in ("add", "change", "delete") and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(SubscriptionEarningsPeriod, ViewOnlyPolicy(SubscriptionEarningsPeriod))
register_permission_policy(PayoutRequest, DecideOnlyPolicy(PayoutRequest))
register_permission_policy(InstructorEarningsProfile, DecideOnlyPolicy(InstructorEarningsProfile, allow_add=True))


class PayoutDecisionView(WagtailAdminTemplateMixin, TemplateView):
    """Approve a payout with the transfer's reference, or reject it with a reason."""

    template_name = "payments/earnings/admin/payout_decision.html"
    header_icon = "doc-full"
    index_url_name = None
    edit_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not user_may_decide_payouts(user=request.user):
            raise PermissionDenied
        self.payout = get_object_or_404(
            PayoutRequest.objects.select_related("instructor", "decided_by"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"Payout request #{self.payout.pk}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": "Payout requests"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            bank = bank_details_for(profile_or_payout=self.payout)
            bank["account_type"] = ACCOUNT_TYPES.get(bank.get("account_type"), bank.get("account_type"))
        except BankDetailsUnreadable:
            bank = None
        context.update(
            payout=self.payout,
            bank=bank,
            balances=balances_for(user=self.payout.instructor, currency=self.payout.currency),
            own=self.payout.instructor_id == self.request.user.pk,
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                payout_approve(payout_id=self.payout.pk, actor=request.user, reference=request.POST.get("reference"))
                messages.success(request, f"Payout #{self.payout.pk} marked paid; the instructor was emailed.")
            elif decision == "reject":
                payout_reject(payout_id=self.payout.pk, actor=request.user, reason=request.POST.get("reason"))
                messages.success(request, f"Payout #{self.payout.pk} rejected; the money is back in their balance.")
            else:
                raise PayoutError("Choose approve or reject.", "invalid_decision")
        except PayoutError as error:
            return self.render_to_response(self.get_context_data(error=error.message), status=status_for(error))
        return redirect(self.index_url_name)


class PayoutRequestViewSet(ModelViewSet):
    model = PayoutRequest
    icon = "doc-full"
    menu_label = "Payout requests"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = {"status": ["exact"], "created_at": ["gte", "lte"], "instructor": ["exact"]}
    list_export = [
        "pk",
        "instructor",
        "amount_cents",
        "currency",
        "status",
        "reference",
        "rejection_reason",
        "bank_details_masked",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    ordering = ["-created_at"]
    search_fields = ["instructor__email", "instructor__first_name", "instructor__last_name", "reference"]
    search_backend_name = None
    list_display = [
        TitleColumn("instructor", label="Instructor", url_name="payouts:edit"),
        MoneyColumn("amount_cents", label="Amount"),
        StatusTagColumn("get_status_display", label="Status", primary=lambda instance: instance.status == "requested"),
        Column("bank_details_masked", label="Bank account"),
        DateColumn("created_at", label="Requested"),
        Column("reference", label="Reference"),
    ]
    form_fields = []  # never edited as a form: the "edit" view is the decision page

    def get_urlpatterns(self):
        decision = PayoutDecisionView.as_view(
            index_url_name=self.get_url_name("index"), edit_url_name=self.get_url_name("edit")
        )
        return [
            pattern if getattr(pattern, "name", None) != "edit" else path("edit/<int:pk>/", decision, name="edit")
            for pattern in super().get_urlpatterns()
        ]


class EarningsProfileViewSet(ModelViewSet):
    model = InstructorEarningsProfile
    icon = "user"
    menu_label = "Instructor shares"
    add_to_admin_menu = False
    copy_view_enabled = False
    form_fields = ["user", "default_share_percent"]
    list_display = ["user", "default_share_percent", "bank_details_masked", "bank_details_updated_at"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    search_backend_name = None


class FinancialOverviewView(WagtailAdminTemplateMixin, TemplateView):
    """Gross, VAT, platform revenue, instructor earnings and liabilities, payouts — per month —
    with CSV export for accounting."""

    template_name = "payments/earnings/admin/overview.html"
    page_title = "Financial overview"
    header_icon = "table"

    def get_breadcrumbs_items(self):
        # Without an item of its own the header shows the last breadcrumb, "Home".
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not user_may_decide_payouts(user=request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _range(self):
        today = timezone.localdate()
        default_start = date(today.year - (1 if today.month < 12 else 0), today.month % 12 + 1, 1)
        try:
            start = date.fromisoformat(self.request.GET.get("from") or default_start.isoformat())
            end = date.fromisoformat(self.request.GET.get("to") or today.isoformat())
        except ValueError:
            messages.error(self.request, "Dates must look like 2026-01-31; showing the last twelve months.")
            start, end = default_start, today
        if end < start:
            start, end = end, start
        return start, end

    @reads_from_replica()  # a money report: a few seconds of lag are fine (the streamed lines read the primary)
    def get(self, request, *args, **kwargs):
        start, end = self._range()
        export = request.GET.get("export")
        if export == "summary":
            return self._summary_csv(platform_overview(start=start, end=end), start, end)
        if export == "lines":
            return self._lines_csv(start, end)
        return self.render_to_response(self.get_context_data(overview=platform_overview(start=start, end=end)))

    def _summary_csv(self, overview, start, end):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lectern-earnings-{start}-{end}.csv"'
        writer = csv.writer(response)
        columns = ["gross", "vat", "net", "platform", "instructors", "refunds", "payouts", "liability"]
        writer.writerow(["month", "currency"] + [f"{column}_cents" for column in columns])
        for row in overview["months"]:
            writer.writerow([row["month"].strftime("%Y-%m"), overview["currency"]] + [row[c] for c in columns])
        totals = overview["totals"]
        writer.writerow(["total", overview["currency"]] + [totals.get(c, overview["liability"]) for c in columns])
        return response

    def _lines_csv(self, start, end):
        from datetime import datetime, time

        since = timezone.make_aware(datetime.combine(start, time.min))
        until = timezone.make_aware(datetime.combine(end, time.max))
        rows = (
            LedgerEntry.objects.filter(occurred_at__range=(since, until))
            .select_related("instructor")
            .order_by("occurred_at", "pk")
        )
        header = [
            "id",
            "occurred_at",
            "source_key",
            "kind",
            "account",
            "instructor",
            "course",
            "currency",
            "gross_cents",
            "vat_cents",
            "net_cents",
            "vat_rate",
            "share_percent",
            "amount_cents",
            "status",
            "available_at",
            "payout_id",
        ]

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def lines():
            yield writer.writerow(header)
            for row in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        row.pk,
                        row.occurred_at.isoformat(),
                        row.source_key,
                        row.kind,
                        row.account,
                        row.instructor.email if row.instructor else "",
                        row.course_title,
                        row.currency,
                        row.gross_cents,
                        row.vat_cents,
                        row.net_cents,
                        row.vat_rate or "",
                        row.share_percent or "",
                        row.amount_cents,
                        row.status,
                        row.available_at.isoformat(),
                        row.payout_id or "",
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lectern-ledger-{start}-{end}.csv"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["start"], context["end"] = self._range()
        return context


class FinancialOverviewViewSet(ViewSet):
    name = "financial-overview"
    icon = "table"
    menu_label = "Financial overview"

    @property
    def menu_item_class(self):
        def is_shown(_self, request):
            return user_may_decide_payouts(user=request.user)

        return type("FinancialOverviewMenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        return [path("", FinancialOverviewView.as_view(), name="index")]


class SubscriptionPeriodViewSet(ModelViewSet):
    """Each subscription payment's period: open until it ends, then closed with its pool split
    (README "Subscription revenue")."""

    model = SubscriptionEarningsPeriod
    icon = "repeat"
    menu_label = "Subscription periods"
    list_display = ["__str__", "plan", "period_end", "status", "split_rule", "pool_allocated_cents", "closed_at"]
    list_filter = ["status", "split_rule", "plan"]
    list_export = [
        "pk",
        "subscriber",
        "plan",
        "period_start",
        "period_end",
        "status",
        "split_rule",
        "pool_allocated_cents",
    ]
    search_fields = ["subscriber__email"]
    exclude_form_fields: list = []
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False


class EarningsGroup(ViewSetGroup):
    menu_label = "Earnings"
    menu_icon = "doc-full-inverse"
    menu_order = 250
    items = (
        PayoutRequestViewSet("payouts"),
        EarningsProfileViewSet("earnings-profiles"),
        FinancialOverviewViewSet("financial-overview"),
        SubscriptionPeriodViewSet("subscription-periods"),
    )


@hooks.register("register_admin_viewset")
def register_earnings_viewsets():
    return EarningsGroup()
