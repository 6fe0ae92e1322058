"""core.money: the one house style for money (R12 345.00, -R12 345.00), the API's money object
and the plain decimal, all by integer arithmetic."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.money import cents_to_decimal, format_money, format_units, money_json


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "R0.00"),
        (1, "R0.01"),  # one cent, never 0.00 or 0.01000001
        (99, "R0.99"),
        (100, "R1.00"),
        (49900, "R499.00"),
        (100000, "R1 000.00"),
        (1234500, "R12 345.00"),
        (123456789, "R1 234 567.89"),
        (100000000000, "R1 000 000 000.00"),
        (-1, "-R0.01"),
        (-99, "-R0.99"),
        (-1234500, "-R12 345.00"),  # the sign before the symbol
        (-123456789, "-R1 234 567.89"),
    ],
)
def test_rand_in_the_house_style(cents, text):
    assert format_money(cents, "ZAR") == text


def test_zar_is_the_default_currency():
    assert format_money(49900) == "R499.00"
    assert format_money(49900, "") == format_money(49900, None) == "R499.00"


def test_large_amounts_are_exact_where_a_float_would_not_be():
    cents = 2**53 + 1  # not representable as a float: a float path would print ...992 or ...994
    assert format_money(cents) == "R90 071 992 547 409.93"
    assert format_units(cents) == "90071992547409.93"


def test_floats_and_decimals_are_refused():
    with pytest.raises(TypeError):
        format_money(12.5)
    with pytest.raises(TypeError):
        format_money(Decimal("12.50"))


@pytest.mark.parametrize(
    ("currency", "text"),
    [
        ("USD", "$12 345.67"),
        ("EUR", "€12 345.67"),
        ("GBP", "£12 345.67"),
        ("INR", "₹12 345.67"),
        ("NGN", "₦12 345.67"),
        ("KES", "KSh 12 345.67"),
        ("usd", "$12 345.67"),  # codes are case-insensitive
        ("CHF", "CHF 12 345.67"),  # no symbol known: the code
        ("JPY", "JPY 12 345.67"),
    ],
)
def test_other_currencies(currency, text):
    assert format_money(1234567, currency) == text


def test_other_currencies_negative():
    assert format_money(-500, "USD") == "-$5.00"
    assert format_money(-500, "CHF") == "-CHF 5.00"


def test_api_money_object():
    assert money_json(49900, "ZAR") == {"amount": 49900, "currency": "ZAR"}
    assert money_json(-7000, "ZAR") == {"amount": -7000, "currency": "ZAR"}
    assert money_json(None, "ZAR") == {"amount": 0, "currency": "ZAR"}  # an empty sum
    assert money_json(5, "usd") == {"amount": 5, "currency": "USD"}


def test_plain_decimal_for_csv_forms_and_gateways():
    assert cents_to_decimal(12345) == Decimal("123.45")
    assert str(cents_to_decimal(100)) == "1.00"
    assert [format_units(c) for c in (0, 1, 99, 14900, -5)] == ["0.00", "0.01", "0.99", "149.00", "-0.05"]


def _render(source: str, **context) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_template_filter():
    assert _render("{{ c|money:cur }}", c=1234500, cur="ZAR") == "R12 345.00"
    assert _render("{{ c|money }}", c=-1234500) == "-R12 345.00"
    assert _render("{{ c|money:cur }}", c=500, cur="EUR") == "€5.00"
    assert _render("[{{ c|money:'ZAR' }}]", c=None) == "[]"
    assert _render("{{ c|money_units }}", c=70000) == "700.00"
    assert _render("[{{ c|money_units }}]", c="") == "[]"
