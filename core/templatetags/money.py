"""`{% load money %}`: the one way templates show money (core.money's house style).

{{ order.total_cents|money:order.currency }}   → R499.00
{{ balances.available|money_units }}           → 499.00 (a form value: no symbol, no separators)
"""

from django import template

from core.money import format_money, format_units

register = template.Library()


@register.filter
def money(cents, currency=""):
    """Cents and a currency code → "R12 345.00"; an empty value (None, "") → ""."""
    if cents is None or cents == "":
        return ""
    return format_money(cents, currency)


@register.filter
def money_units(cents):
    """Cents → "12345.00", a plain number for form inputs; an empty value → ""."""
    if cents is None or cents == "":
        return ""
    return format_units(cents)
