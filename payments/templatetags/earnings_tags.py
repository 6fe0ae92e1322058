from django import template

register = template.Library()


@register.filter
def cents(value, currency=""):
    """12345 → "1,234.56" (or "R 1,234.56" style with a currency argument); negatives keep their sign."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return ""
    text = f"{'-' if value < 0 else ''}{abs(value) / 100:,.2f}"
    return f"{currency} {text}" if currency else text
