"""Template helpers for the learning pages: price lines, durations, stars."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.money import format_money
from coursepages.body_cache import lesson_body_html
from coursepages.models import CoursePage
from learners.outline_html import outline_html

register = template.Library()


@register.filter
def course_price(course: CoursePage) -> str:
    """The price line of a course card: "R499.00 incl. VAT", "Free" or "Included in subscription"
    (the amount in core.money's house style, as everywhere)."""
    if course.pricing == CoursePage.Pricing.FREE:
        return "Free"
    if course.pricing == CoursePage.Pricing.SUBSCRIPTION:
        return "Included in subscription"
    if course.on_sale():  # the regular price struck through, then the sale price
        return format_html(
            '<del class="meta"><span class="sr-only">regular price </span>{}</del> '
            '<span class="sr-only">sale price </span>{} incl. VAT',
            format_money(course.price_cents, course.currency),
            format_money(course.current_price_cents(), course.currency),
        )
    return f"{format_money(course.price_cents, course.currency)} incl. VAT"


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


@register.simple_tag
def outline_list(outline, enrolled=False, show_minutes=False):
    """The course outline with the viewer's marks: done, locked (and why), current
    (learners.outline_html: rendered once per course structure, the viewer's marks spliced in)."""
    return mark_safe(outline_html(outline, enrolled=enrolled, show_minutes=show_minutes))  # noqa: S308 — escaped there


@register.simple_tag(takes_context=True)
def lesson_body(context, page):
    """The lesson's blocks, each after its anchor, as `{% include_block %}` renders them; the
    blocks shown the same to everyone come from coursepages.body_cache."""
    return lesson_body_html(page=page, context=context)
