"""Payout requests and decisions, bank details encryption, and the release task."""

import threading

import pytest
from django.core import mail
from django.db import connection
from wagtail.models import ModelLogEntry

from core.errors import status_for
from messaging.models import Notification
from payments.earnings.crypto import BankDetailsUnreadable, decrypt_json, encrypt_json
from payments.earnings.ledger import earnings_profile_for, ledger_record_sale
from payments.earnings.payouts import (
    PayoutError,
    bank_details_for,
    bank_details_update,
    payout_approve,
    payout_reject,
    payout_request,
)
from payments.earnings.selectors import balances_for
from payments.earnings.tasks import earnings_release_due
from payments.models import InstructorEarningsProfile, LedgerEntry, PayoutRequest
from tests.payments.earnings.earnings_helpers import (
    BANK,
    paid_course,
    site_settings,
    with_bank_details,
)

pytestmark = pytest.mark.django_db


def _refusal(call) -> PayoutError:
    with pytest.raises(PayoutError) as caught:
        call()
    return caught.value


def test_bank_details_are_encrypted_at_rest_and_shown_masked(instructor, settings):
    profile = with_bank_details(instructor)
    stored = InstructorEarningsProfile.objects.get(pk=profile.pk)
    assert BANK["account_number"] not in stored.bank_details_encrypted
    assert "FNB" not in stored.bank_details_encrypted
    assert stored.bank_details_masked == "FNB •••• 5678"
    assert bank_details_for(profile_or_payout=stored)["account_number"] == "62812345678"
    from cryptography.fernet import Fernet

    settings.EARNINGS_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(BankDetailsUnreadable):
        bank_details_for(profile_or_payout=stored)


def test_a_configured_key_encrypts_and_a_rotated_in_key_still_reads_old_values(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.EARNINGS_ENCRYPTION_KEY = old
    token = encrypt_json({"account_number": "123456"})
    settings.EARNINGS_ENCRYPTION_KEY = f"{new},{old}"
    assert decrypt_json(token) == {"account_number": "123456"}
    settings.EARNINGS_ENCRYPTION_KEY = new
    with pytest.raises(BankDetailsUnreadable):
        decrypt_json(token)


@pytest.mark.django_db(transaction=True)
def test_changing_bank_details_is_logged_and_emailed(instructor):
    with_bank_details(instructor)
    bank_details_update(user=instructor, details={**BANK, "bank_name": "Capitec", "account_number": "1234567890"})
    entries = ModelLogEntry.objects.filter(action="lectern.earnings.bank_details_changed").order_by("pk")
    assert [e.data for e in entries] == [
        {"from": "", "to": "FNB •••• 5678"},
        {"from": "FNB •••• 5678", "to": "Capitec •••• 7890"},
    ]
    assert mail.outbox[-1].to == [instructor.email]
    assert "Capitec •••• 7890" in mail.outbox[-1].body
    assert "1234567890" not in mail.outbox[-1].body


def test_invalid_bank_details_are_refused_field_by_field(instructor):
    error = _refusal(
        lambda: bank_details_update(user=instructor, details={**BANK, "account_number": "12ab", "branch_code": ""})
    )
    assert set(error.errors) == {"account_number", "branch_code"}
    assert not earnings_profile_for(user=instructor).has_bank_details


def test_payout_takes_available_money_and_approval_marks_it_paid(earning_instructor, admin_user):
    payout = payout_request(user=earning_instructor, amount_cents=50000, note="March")
    balances = balances_for(user=earning_instructor)
    assert (balances.available, balances.in_review, balances.paid_out) == (20000, 50000, 0)
    assert payout.bank_details_masked == "FNB •••• 5678"
    assert decrypt_json(payout.bank_details_encrypted)["account_number"] == "62812345678"
    payout_approve(payout_id=payout.pk, actor=admin_user, reference="EFT-2026-001")
    payout.refresh_from_db()
    assert (payout.status, payout.reference, payout.decided_by) == ("approved", "EFT-2026-001", admin_user)
    balances = balances_for(user=earning_instructor)
    assert (balances.available, balances.in_review, balances.paid_out) == (20000, 0, 50000)
    assert ModelLogEntry.objects.filter(action="lectern.payout.approved", object_id=str(payout.pk)).exists()
    assert Notification.objects.filter(user=earning_instructor, kind="payout_approved").exists()
    assert Notification.objects.filter(user=admin_user, kind="payout_requested").exists()


@pytest.mark.django_db(transaction=True)
def test_rejection_returns_the_money_and_emails_the_reason(earning_instructor, admin_user):
    payout = payout_request(user=earning_instructor, amount_cents=70000)
    assert balances_for(user=earning_instructor).available == 0
    payout_reject(payout_id=payout.pk, actor=admin_user, reason="Account name does not match.")
    assert balances_for(user=earning_instructor).available == 70000
    assert LedgerEntry.objects.filter(payout=payout).values_list("kind", "amount_cents").order_by("pk")[::1] == [
        ("payout", -70000),
        ("payout_return", 70000),
    ]
    assert "Account name does not match." in mail.outbox[-1].body
    assert ModelLogEntry.objects.filter(action="lectern.payout.rejected", object_id=str(payout.pk)).exists()


def test_requests_under_the_threshold_over_available_or_without_bank_details_are_refused(
    earning_instructor, other_instructor
):
    assert _refusal(lambda: payout_request(user=earning_instructor, amount_cents=9999)).code == "below_threshold"
    assert _refusal(lambda: payout_request(user=earning_instructor, amount_cents=70001)).code == "over_available"
    assert _refusal(lambda: payout_request(user=earning_instructor, amount_cents=0)).code == "invalid_amount"
    assert _refusal(lambda: payout_request(user=other_instructor, amount_cents=10000)).code == "no_bank_details"
    assert not PayoutRequest.objects.exists()
    assert balances_for(user=earning_instructor).available == 70000


def test_pending_money_cannot_be_requested(instructor):
    site_settings(payout_threshold_cents=100)
    with_bank_details(instructor)
    from django.utils import timezone

    ledger_record_sale(
        source_key="fresh",
        course=paid_course(instructor=instructor),
        gross_cents=115000,
        currency="ZAR",
        occurred_at=timezone.now(),
    )
    assert _refusal(lambda: payout_request(user=instructor, amount_cents=100)).code == "over_available"


def test_an_instructor_cannot_decide_their_own_payout_nor_can_a_non_admin(
    earning_instructor, other_instructor, admin_user
):
    from accounts.services import user_set_role

    payout = payout_request(user=earning_instructor, amount_cents=20000)
    assert (
        _refusal(lambda: payout_approve(payout_id=payout.pk, actor=earning_instructor, reference="x")).code
        == "not_allowed"
    )
    assert (
        _refusal(lambda: payout_approve(payout_id=payout.pk, actor=other_instructor, reference="x")).code
        == "not_allowed"
    )
    # An admin who also teaches still cannot approve their own request.
    user_set_role(user=earning_instructor, role="admin")
    earning_instructor = type(earning_instructor).objects.get(pk=earning_instructor.pk)  # fresh permission cache
    own = _refusal(lambda: payout_approve(payout_id=payout.pk, actor=earning_instructor, reference="x"))
    assert (own.code, status_for(own)) == ("own_payout", 403)
    assert (
        _refusal(lambda: payout_reject(payout_id=payout.pk, actor=earning_instructor, reason="x")).code == "own_payout"
    )
    payout.refresh_from_db()
    assert payout.status == "requested"


def test_a_decided_payout_cannot_be_decided_again_and_decisions_need_a_reference_or_reason(
    earning_instructor, admin_user
):
    payout = payout_request(user=earning_instructor, amount_cents=20000)
    assert (
        _refusal(lambda: payout_approve(payout_id=payout.pk, actor=admin_user, reference=" ")).code
        == "reference_required"
    )
    assert _refusal(lambda: payout_reject(payout_id=payout.pk, actor=admin_user, reason="")).code == "reason_required"
    payout_approve(payout_id=payout.pk, actor=admin_user, reference="EFT-1")
    again = _refusal(lambda: payout_reject(payout_id=payout.pk, actor=admin_user, reason="oops"))
    assert (again.code, status_for(again)) == ("already_decided", 409)
    assert balances_for(user=earning_instructor).paid_out == 20000
    assert not LedgerEntry.objects.filter(kind="payout_return").exists()


def test_release_task_is_idempotent(instructor):
    from datetime import timedelta

    from django.utils import timezone

    ledger_record_sale(
        source_key="old",
        course=paid_course(instructor=instructor),
        gross_cents=11500,
        currency="ZAR",
        occurred_at=timezone.now() - timedelta(days=60),
    )
    assert earnings_release_due.delay().get() == 2
    assert earnings_release_due.delay().get() == 0
    assert balances_for(user=instructor).available == 7000


def test_release_task_is_scheduled_by_celery_beat(settings):
    from config.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE["earnings-release-due"]
    assert schedule["task"] == earnings_release_due.name == "payments.earnings.tasks.earnings_release_due"
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert app.tasks[schedule["task"]].name == earnings_release_due.name


@pytest.mark.django_db(transaction=True)
def test_concurrent_payout_requests_never_take_the_same_money(postgres, earning_instructor):
    """Eight threads each ask for R400 of the R700 available: exactly one succeeds."""
    barrier = threading.Barrier(8)
    outcomes = []

    def ask():
        try:
            barrier.wait()
            payout_request(user=earning_instructor, amount_cents=40000)
            outcomes.append("ok")
        except PayoutError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["over_available"] * 7
    assert PayoutRequest.objects.count() == 1
    assert balances_for(user=earning_instructor).available == 30000


@pytest.mark.django_db(transaction=True)
def test_concurrent_twin_sales_and_refunds_write_once(postgres, instructor):
    from django.utils import timezone

    course = paid_course(instructor=instructor)
    barrier = threading.Barrier(6)
    when = timezone.now()

    def twin(call):
        def run():
            try:
                barrier.wait()
                call()
            finally:
                connection.close()

        return run

    from payments.earnings.ledger import ledger_reverse_sale

    calls = [
        lambda: ledger_record_sale(
            source_key="order-item:77", course=course, gross_cents=49900, currency="ZAR", occurred_at=when
        )
    ] * 6
    threads = [threading.Thread(target=twin(call)) for call in calls]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert LedgerEntry.objects.filter(kind="sale").count() == 2
    barrier.reset()
    calls = [lambda: ledger_reverse_sale(source_key="order-item:77", occurred_at=when)] * 6
    threads = [threading.Thread(target=twin(call)) for call in calls]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert LedgerEntry.objects.filter(kind="refund").count() == 2
    assert balances_for(user=instructor).pending == 0


@pytest.mark.django_db(transaction=True)
def test_release_runs_in_a_real_celery_worker(celery_worker, instructor):
    from datetime import timedelta

    from django.utils import timezone

    ledger_record_sale(
        source_key="worker-sale",
        course=paid_course(instructor=instructor),
        gross_cents=11500,
        currency="ZAR",
        occurred_at=timezone.now() - timedelta(days=60),
    )
    assert earnings_release_due.delay().get(timeout=60) == 2
    assert balances_for(user=instructor).available == 7000


def test_production_refuses_to_start_without_an_encryption_key():
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    environment = {k: v for k, v in os.environ.items() if k != "EARNINGS_ENCRYPTION_KEY"} | {"SECRET_KEY": "x" * 60}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "EARNINGS_ENCRYPTION_KEY must be set" in result.stderr
