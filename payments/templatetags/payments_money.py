from django import template

from payments.vat import format_money

register = template.Library()


@register.filter
def money(cents, currency="ZAR"):
    """49900|money:"ZAR" → R499.00"""
    if cents is None or cents == "":
        return ""
    return format_money(int(cents), currency or "ZAR")
