"""Template helpers for the learning pages: prices, durations, stars."""

from django import template

from coursepages.models import CoursePage

register = template.Library()

CURRENCY_SYMBOLS = {"ZAR": "R", "USD": "$", "EUR": "€", "GBP": "£"}


def money(cents: int, currency: str = "ZAR") -> str:
    """49900, "ZAR" → "R499.00"."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    amount = f"{cents // 100:,}.{cents % 100:02d}".replace(",", " ")
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


@register.filter
def course_price(course: CoursePage) -> str:
    """The price line of a course card: "R499.00 incl. VAT", "Free" or "Included in subscription"."""
    if course.pricing == CoursePage.Pricing.FREE:
        return "Free"
    if course.pricing == CoursePage.Pricing.SUBSCRIPTION:
        return "Included in subscription"
    return f"{money(course.price_cents, course.currency)} incl. VAT"


@register.filter
def duration(seconds) -> str:
    """Seconds → "1 h 05 min", "12 min", "under a minute"."""
    seconds = int(seconds or 0)
    hours, minutes = divmod(seconds // 60, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min" if minutes else "under a minute"


@register.filter
def stars(rating) -> str:
    """3.6 → "★★★★☆" (rounded to the nearest star)."""
    if rating is None:
        return ""
    full = max(0, min(5, round(float(rating))))
    return "★" * full + "☆" * (5 - full)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
