"""Card helpers: the generated picture a course card shows when it has no image."""

from django import template

register = template.Library()

TONES = 6  # .tone-0 … .tone-5 in static/css/learning.css


@register.filter
def initials(title) -> str:
    """'Web Development with Django' → 'WD': the first letters of the first two words that
    start with a letter or digit."""
    letters = [word[0] for word in str(title or "").split() if word[:1].isalnum()]
    return "".join(letters[:2]).upper() or "·"


@register.filter
def tone(key) -> int:
    """A stable colour (0–5) for a card, from its id."""
    try:
        return int(key) % TONES
    except (TypeError, ValueError):
        return 0
