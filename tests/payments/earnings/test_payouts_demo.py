"""The demo earnings seed: Pieter has sales, a paid payout and one in the queue; seeding twice adds nothing."""

import pytest
from django.core.management import call_command

from accounts.models import User
from payments.earnings.selectors import balances_for
from payments.models import LedgerEntry, PayoutRequest


@pytest.mark.django_db
def test_demo_earnings_are_seeded_once():
    call_command("seed_demo")
    counts = (LedgerEntry.objects.count(), PayoutRequest.objects.count())
    call_command("seed_demo")
    assert (LedgerEntry.objects.count(), PayoutRequest.objects.count()) == counts
    pieter = User.objects.get(email="pieter@lectern.local")
    assert sorted(PayoutRequest.objects.filter(instructor=pieter).values_list("status", flat=True)) == [
        "approved",
        "requested",
    ]
    balances = balances_for(user=pieter)
    assert balances.paid_out == 100000 and balances.in_review == 60000
    assert balances.pending > 0 and balances.available > 0
    assert LedgerEntry.objects.filter(kind="refund").exists()
