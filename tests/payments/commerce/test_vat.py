"""VAT inside VAT-inclusive prices: gross × rate / (1 + rate), rounded half-up to the cent."""

from decimal import Decimal

import pytest

from core.money import format_money
from payments.vat import vat_from_gross


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (11500, "0.15", 1500),  # R115 incl. 15% → R15 exactly
        (49900, "0.15", 6509),  # 6508.695… rounds up
        (100, "0.15", 13),  # 13.04…
        (1, "1", 1),  # 0.5 rounds half-up, not to even
        (3, "1", 2),  # 1.5 → 2
        (5, "1", 3),  # 2.5 → 3 (banker's rounding would give 2)
        (0, "0.15", 0),
        (49900, "0", 0),
    ],
)
def test_vat_from_gross(gross, rate, vat):
    assert vat_from_gross(gross_cents=gross, rate=Decimal(rate)) == vat


def test_format_money():
    assert format_money(49900, "ZAR") == "R499.00"
    assert format_money(149000, "ZAR") == "R1 490.00"
    assert format_money(5, "USD") == "$0.05"
