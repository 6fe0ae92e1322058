"""VAT on VAT-inclusive prices (DESIGN.md §4)."""

from decimal import ROUND_HALF_UP, Decimal


def vat_from_gross(gross_cents: int, rate: Decimal) -> int:
    """The VAT inside a VAT-inclusive amount: gross × rate / (1 + rate), half-up to the cent."""
    rate = Decimal(rate)
    if gross_cents <= 0 or rate <= 0:
        return 0
    vat = Decimal(gross_cents) * rate / (Decimal(1) + rate)
    return int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))

