"""VAT on VAT-inclusive prices (docs/architecture.md §4): the one formula, used by checkout,
settlement, the ledger and the reports."""

from decimal import ROUND_HALF_UP, Decimal


def vat_from_gross(*, gross_cents: int, rate: Decimal) -> int:
    """The VAT inside a VAT-inclusive amount: gross × rate / (1 + rate), rounded half-up to the
    cent (away from zero, so a reversal is the exact negative of its sale)."""
    rate = Decimal(rate)
    if rate <= 0:
        return 0
    vat = Decimal(gross_cents) * rate / (Decimal(1) + rate)
    return int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))
