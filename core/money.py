"""Money as text, as JSON and as a plain number: the one place amounts (integer cents and an
ISO currency code) are turned into something people or other programs read.

House style (South African): the symbol straight before the amount, a space between
thousands, two decimals and the sign before the symbol — `R12 345.00`, `-R12 345.00`.
A currency without a known symbol is written with its code: `CHF 12 345.00`.
Only integer arithmetic: no amount ever passes through a float."""

from decimal import Decimal
from operator import index

DEFAULT_CURRENCY = "ZAR"

# What stands before the amount; letters-only symbols that read as words keep a space.
SYMBOLS = {
    "ZAR": "R",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "NGN": "₦",
    "KES": "KSh ",
}


def _cents(cents) -> int:
    """An int (or an integral int-like such as a numeric string from a form); never a float."""
    if isinstance(cents, str):
        return int(cents.strip())
    return index(cents)  # rejects floats and Decimals: cents are whole numbers


def _currency(currency) -> str:
    return (currency or DEFAULT_CURRENCY).strip().upper()


def format_money(cents: int, currency: str = DEFAULT_CURRENCY) -> str:
    """49900, "ZAR" → "R499.00"; 1234500 → "R12 345.00"; -500 → "-R5.00"; 100, "CHF" → "CHF 1.00"."""
    cents, currency = _cents(cents), _currency(currency)
    units, rest = divmod(abs(cents), 100)
    prefix = SYMBOLS.get(currency, f"{currency} ")
    return f"{'-' if cents < 0 else ''}{prefix}{units:,}.{rest:02d}".replace(",", " ")


def money_json(cents, currency: str = DEFAULT_CURRENCY) -> dict:
    """The API's money object (docs API.md): {"amount": 49900, "currency": "ZAR"}, amount in cents.
    A missing amount (an empty sum) is 0."""
    return {"amount": 0 if cents is None else _cents(cents), "currency": _currency(currency)}


def cents_to_decimal(cents: int) -> Decimal:
    """12345 → Decimal("123.45"), exact, always two decimals: for CSV number columns and gateways."""
    return Decimal(_cents(cents)).scaleb(-2)


def format_units(cents: int) -> str:
    """12345 → "123.45", -5 → "-0.05": a plain number without symbol or separators (form values,
    gateway fields such as PayFast's `amount`)."""
    return str(cents_to_decimal(cents))
