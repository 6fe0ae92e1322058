"""Template helpers for the learning pages: price lines, durations, stars."""

import html
from functools import lru_cache

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core.money import format_money
from coursepages.models import CoursePage

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


_LOCK_ICON = None


def _lock_icon() -> str:
    global _LOCK_ICON
    if _LOCK_ICON is None:
        from django.template.loader import render_to_string

        _LOCK_ICON = render_to_string("learners/includes/lock_icon.svg").strip()
    return _LOCK_ICON


@lru_cache(maxsize=16384)
def _escaped(text) -> str:
    """`django.utils.html.escape` of a title or URL of the outline (the same five characters
    replaced), remembered: a 200-lesson outline escapes 400 strings that rarely change, and
    Django's lazy-aware wrapper around each call was a tenth of a lesson page's time."""
    return html.escape(str(text))


@register.simple_tag
def outline_list(outline, enrolled=False, show_minutes=False):
    """The course outline with the viewer's marks: done, locked (and why), current.

    Written out in Python rather than a template loop: a 200-lesson outline through the
    template engine cost more than the rest of the lesson page together."""
    lock_icon = _lock_icon()
    out = ['<ol class="outline">']
    for section in outline.sections:
        out.append(
            f'<li class="outline-section"><h3 class="outline-section-title">{_escaped(section.section.title)}'
            '</h3><ol class="outline-lessons">'
        )
        for entry in section.lessons:
            lesson, done, locked, current = entry.lesson, entry.is_completed, entry.is_locked, entry.is_current
            classes = (
                "outline-lesson"
                + (" is-current" if current else "")
                + (" is-done" if done else "")
                + (" is-locked" if locked else "")
            )
            state = "done" if done else "locked" if locked else "open"
            mark = "✓" if done else lock_icon if locked else "▶" if current else "○"
            aria_current = ' aria-current="page"' if current else ""
            out.append(
                f'<li class="{classes}" data-lesson-id="{lesson.pk}" data-state="{state}">'
                f'<span class="outline-mark" aria-hidden="true">{mark}</span><span class="outline-text">'
                f'<a href="{_escaped(lesson.url)}"{aria_current}>{_escaped(lesson.title)}</a>'
                f'<span class="sr-only">{"(completed)" if done else "(locked)" if locked else ""}</span>'
            )
            if lesson.free_preview and not enrolled:
                out.append('<span class="badge badge-preview">Free preview</span>')
            note = entry.lock_note
            if note:
                out.append(
                    f'<span class="outline-reason" data-lock-reason="{escape(entry.access.reason)}">'
                    f"{escape(note)}</span>"
                )
            out.append("</span>")
            if show_minutes:
                out.append(f'<span class="outline-minutes">{lesson.estimated_minutes} min</span>')
            out.append("</li>")
        out.append("</ol></li>")
    out.append("</ol>")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped or ours
