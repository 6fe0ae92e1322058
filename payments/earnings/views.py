"""The instructor's earnings pages: dashboard, payout request, bank details. Thin: each
write calls one service in payments.earnings.payouts."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.mfa import second_factor_required_for
from core.money import format_money
from coursepages.models import PlatformSettings
from payments.earnings.crypto import BankDetailsUnreadable
from payments.earnings.ledger import earnings_profile_for
from payments.earnings.payouts import ACCOUNT_TYPES, PayoutError, bank_details_for, bank_details_update, payout_request
from payments.earnings.selectors import (
    balances_for,
    earnings_by_course_for,
    earnings_by_month_for,
    ledger_for,
    payouts_for,
)
from payments.permissions import user_has_earnings


def _instructor(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not user_has_earnings(request.user):
            raise PermissionDenied("Earnings are for instructors.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def parse_amount_to_cents(text: str) -> int:
    """ "1 250,50", "1250.5" or "R1250" → cents; ValueError for anything else."""
    cleaned = (text or "").strip().upper().removeprefix("R").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter an amount like 500 or 1250.50.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Use at most two decimals.")
    return int(amount * 100)


@_instructor
def dashboard(request):
    """Pending, available, in review and paid out; per course; per month (chart and table);
    the ledger with each payment's breakdown; payout history."""
    site = PlatformSettings.load()
    user = request.user
    months = earnings_by_month_for(user=user, currency=site.currency)
    ledger_page = Paginator(ledger_for(user=user), 25).get_page(request.GET.get("page"))
    profile = earnings_profile_for(user=user)
    chart = {
        "labels": [m["month"].strftime("%b %Y") for m in months],
        "earned": [m["earned"] / 100 for m in months],
        "paid_out": [m["paid_out"] / 100 for m in months],
    }
    return render(
        request,
        "payments/earnings/dashboard.html",
        {
            "site": site,
            "balances": balances_for(user=user, currency=site.currency),
            "by_course": earnings_by_course_for(user=user, currency=site.currency),
            "months": months,
            "chart": chart,
            "ledger_page": ledger_page,
            "payouts": payouts_for(user=user)[:20],
            "profile": profile,
            "threshold": site.payout_threshold_cents,
        },
    )


@require_POST
@_instructor
@second_factor_required_for("requesting a payout")
def request_payout(request):
    try:
        amount = parse_amount_to_cents(request.POST.get("amount", ""))
        payout = payout_request(user=request.user, amount_cents=amount, note=request.POST.get("note", ""))
    except ValueError as error:
        messages.error(request, str(error))
    except PayoutError as error:
        messages.error(request, error.message)
    else:
        amount = format_money(payout.amount_cents, payout.currency)
        messages.success(request, f"Payout request #{payout.pk} for {amount} sent. An administrator will review it.")
    return redirect("payments:earnings:dashboard")


class BankDetailsForm(forms.Form):
    account_holder = forms.CharField(max_length=120, label="Account holder's name")
    bank_name = forms.CharField(max_length=80, label="Bank")
    account_number = forms.CharField(
        max_length=30,
        label="Account number",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    branch_code = forms.CharField(
        max_length=12,
        label="Branch code",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_type = forms.ChoiceField(choices=list(ACCOUNT_TYPES.items()), label="Account type")


@_instructor
@second_factor_required_for("seeing or changing bank details")
def bank_details(request):
    """Enter or change bank details. The current ones are shown masked; the form starts empty
    so the full number never appears on screen again."""
    profile = earnings_profile_for(user=request.user)
    if request.method == "POST":
        form = BankDetailsForm(request.POST)
        if form.is_valid():
            try:
                bank_details_update(user=request.user, details=form.cleaned_data)
            except PayoutError as error:
                for field, message in getattr(error, "errors", {}).items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "Your bank details were saved. We emailed you about the change.")
                return redirect("payments:earnings:dashboard")
    else:
        initial = {}
        try:
            details = bank_details_for(profile_or_payout=profile)
            initial = {
                "account_holder": details.get("account_holder", ""),
                "bank_name": details.get("bank_name", ""),
                "account_type": details.get("account_type", "cheque"),
            }
        except BankDetailsUnreadable:
            pass
        form = BankDetailsForm(initial=initial)
    return render(request, "payments/earnings/bank_details.html", {"form": form, "profile": profile})
