"""Payout services: bank details, payout requests and admins' decisions on them."""

import re

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from core.errors import DomainError
from core.money import format_money
from core.notify import notify
from coursepages.models import PlatformSettings
from payments.earnings.crypto import decrypt_json, encrypt_json, mask_account_number
from payments.earnings.ledger import earnings_profile_for, lock_earnings_profiles
from payments.earnings.selectors import balances_for
from payments.models import InstructorEarningsProfile, LedgerEntry, PayoutRequest
from payments.permissions import payout_deciders, user_may_decide_payouts

DASHBOARD_URL = "/payments/earnings/"
ACCOUNT_TYPES = {"cheque": "Cheque / current", "savings": "Savings", "transmission": "Transmission"}


class PayoutError(DomainError):
    """A refused payout action; `code` is the machine-readable reason (also the API's code)."""


# ---- bank details -----------------------------------------------------------------------


def _clean_bank_details(details: dict) -> dict:
    cleaned = {
        key: str(details.get(key, "") or "").strip()
        for key in ("account_holder", "bank_name", "account_number", "branch_code", "account_type")
    }
    errors = {}
    for key in ("account_holder", "bank_name", "account_number", "branch_code"):
        if not cleaned[key]:
            errors[key] = "This field is required."
    number = re.sub(r"[\s-]", "", cleaned["account_number"])
    if cleaned["account_number"] and not re.fullmatch(r"\d{6,20}", number):
        errors["account_number"] = "Use 6 to 20 digits."
    branch = re.sub(r"\s", "", cleaned["branch_code"])
    if cleaned["branch_code"] and not re.fullmatch(r"\d{4,10}", branch):
        errors["branch_code"] = "Use 4 to 10 digits."
    if cleaned["account_type"] not in ACCOUNT_TYPES:
        errors["account_type"] = "Choose cheque, savings or transmission."
    if errors:
        error = PayoutError("Please correct the bank details.", "invalid_bank_details")
        error.errors = errors
        raise error
    return {**cleaned, "account_number": number, "branch_code": branch}


def bank_details_update(*, user, details: dict) -> InstructorEarningsProfile:
    """Store the instructor's bank details encrypted; log the change and email them about it
    (a change they did not make is how payout fraud starts)."""
    cleaned = _clean_bank_details(details)
    masked = f"{cleaned['bank_name']} {mask_account_number(cleaned['account_number'])}"
    with transaction.atomic():
        (profile,) = lock_earnings_profiles(user_ids=[user.pk])
        previous = profile.bank_details_masked
        profile.bank_details_encrypted = encrypt_json(cleaned)
        profile.bank_details_masked = masked
        profile.bank_details_updated_at = timezone.now()
        profile.save(update_fields=["bank_details_encrypted", "bank_details_masked", "bank_details_updated_at"])
        log(
            instance=profile,
            action="lectern.earnings.bank_details_changed",
            user=user,
            data={"from": previous, "to": masked},
        )
        notify(
            user=user,
            kind="bank_details_changed",
            title="Your payout bank details were changed",
            body=(
                f"The bank account for your payouts is now {masked}. If you did not make this change, "
                "contact support at once."
            ),
            url=DASHBOARD_URL,
            email_template="generic",
            essential=True,
        )
    return profile


def bank_details_for(*, profile_or_payout) -> dict:
    """The decrypted details (for the owner's edit form and for an admin paying a payout)."""
    return decrypt_json(profile_or_payout.bank_details_encrypted)


# ---- payout requests --------------------------------------------------------------------


def _payout_entry(payout: PayoutRequest, *, kind: str, amount_cents: int, at) -> LedgerEntry:
    """The instructor's ledger row of a payout (money out) or of its return (money back), available
    at once."""
    return LedgerEntry.objects.create(
        source_key=f"payout:{payout.pk}",
        kind=kind,
        account=LedgerEntry.Account.INSTRUCTOR,
        instructor_id=payout.instructor_id,
        payout=payout,
        currency=payout.currency,
        amount_cents=amount_cents,
        status=LedgerEntry.Status.AVAILABLE,
        occurred_at=at,
        available_at=at,
        released_at=at,
    )


def payout_request(*, user, amount_cents: int, note: str = "") -> PayoutRequest:
    """Ask to be paid `amount_cents` of the available balance. The instructor's profile row is
    locked while the balance is read and the payout row written, so two concurrent requests
    can never both take the same money."""
    site = PlatformSettings.load()
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PayoutError("Enter an amount greater than zero.", "invalid_amount")
    if amount_cents < site.payout_threshold_cents:
        raise PayoutError(
            f"The smallest payout is {format_money(site.payout_threshold_cents, site.currency)}.", "below_threshold"
        )
    earnings_profile_for(user=user)
    with transaction.atomic():
        (profile,) = lock_earnings_profiles(user_ids=[user.pk])
        if not profile.has_bank_details:
            raise PayoutError("Add your bank details before requesting a payout.", "no_bank_details")
        available = balances_for(user=user, currency=site.currency).available
        if amount_cents > available:
            raise PayoutError(
                f"You can request at most {format_money(max(available, 0), site.currency)}.", "over_available"
            )
        now = timezone.now()
        payout = PayoutRequest.objects.create(
            instructor=user,
            amount_cents=amount_cents,
            currency=site.currency,
            note=note.strip()[:300],
            bank_details_encrypted=profile.bank_details_encrypted,
            bank_details_masked=profile.bank_details_masked,
        )
        _payout_entry(payout, kind=LedgerEntry.Kind.PAYOUT, amount_cents=-amount_cents, at=now)
        log(
            instance=payout,
            action="lectern.payout.requested",
            user=user,
            data={"amount_cents": amount_cents, "currency": site.currency},
        )
        notify(
            user=user,
            kind="payout_requested",
            title="Payout request received",
            body=f"We received your request for {format_money(amount_cents, site.currency)}. "
            "An administrator will review it.",
            url=DASHBOARD_URL,
        )
        for admin in payout_deciders().exclude(pk=user.pk):
            notify(
                user=admin,
                kind="payout_requested",
                title=f"Payout request from {user}",
                body=f"{user} asks for {format_money(amount_cents, site.currency)}.",
                url=reverse("payouts:edit", args=[payout.pk]),
            )
    return payout


def _decidable(*, payout_id: int, actor) -> PayoutRequest:
    payout = PayoutRequest.objects.select_for_update().select_related("instructor").get(pk=payout_id)
    if not user_may_decide_payouts(user=actor):
        raise PayoutError("Only administrators decide payouts.", "not_allowed")
    if payout.instructor_id == actor.pk:
        raise PayoutError("You cannot decide on your own payout request.", "own_payout")
    if payout.status != PayoutRequest.Status.REQUESTED:
        raise PayoutError(f"This request is already {payout.get_status_display().lower()}.", "already_decided")
    return payout


def payout_approve(*, payout_id: int, actor, reference: str) -> PayoutRequest:
    """Mark a payout paid, with the bank transfer's reference."""
    reference = (reference or "").strip()
    with transaction.atomic():
        payout = _decidable(payout_id=payout_id, actor=actor)
        if not reference:
            raise PayoutError("Enter the payment reference of the transfer.", "reference_required")
        payout.status = PayoutRequest.Status.APPROVED
        payout.reference = reference[:120]
        payout.decided_by = actor
        payout.decided_at = timezone.now()
        payout.save(update_fields=["status", "reference", "decided_by", "decided_at"])
        log(
            instance=payout,
            action="lectern.payout.approved",
            user=actor,
            data={"amount_cents": payout.amount_cents, "reference": payout.reference},
        )
        notify(
            user=payout.instructor,
            kind="payout_approved",
            title="Your payout was paid",
            body=(
                f"{format_money(payout.amount_cents, payout.currency)} was paid to {payout.bank_details_masked}. "
                f"Payment reference: {payout.reference}."
            ),
            url=DASHBOARD_URL,
            email_template="generic",
            essential=True,
        )
    return payout


def payout_reject(*, payout_id: int, actor, reason: str) -> PayoutRequest:
    """Refuse a payout; its amount returns to the instructor's available balance."""
    reason = (reason or "").strip()
    instructor_id = PayoutRequest.objects.values_list("instructor_id", flat=True).get(pk=payout_id)
    with transaction.atomic():
        lock_earnings_profiles(user_ids=[instructor_id])
        payout = _decidable(payout_id=payout_id, actor=actor)
        if not reason:
            raise PayoutError("Give the instructor a reason.", "reason_required")
        now = timezone.now()
        payout.status = PayoutRequest.Status.REJECTED
        payout.rejection_reason = reason
        payout.decided_by = actor
        payout.decided_at = now
        payout.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        _payout_entry(payout, kind=LedgerEntry.Kind.PAYOUT_RETURN, amount_cents=payout.amount_cents, at=now)
        log(
            instance=payout,
            action="lectern.payout.rejected",
            user=actor,
            data={"amount_cents": payout.amount_cents, "reason": reason},
        )
        notify(
            user=payout.instructor,
            kind="payout_rejected",
            title="Your payout request was not approved",
            body=(
                f"Your request for {format_money(payout.amount_cents, payout.currency)} was rejected: {reason}\n"
                "The amount is back in your available balance."
            ),
            url=DASHBOARD_URL,
            email_template="generic",
            essential=True,
        )
    return payout
