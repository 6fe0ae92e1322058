"""The course outline as HTML (lesson player, course page, section page): one list item per
lesson with the viewer's marks — done, locked (and why), current — and the free-preview badge.

Most of a 200-lesson outline is the same for every viewer of a course: a lesson that is not
done, not current and has no lock of its own (prerequisite, drip) looks the same to every
student who may open the course, and to every visitor who may not. So the outline is rendered
once per course structure (coursepages.structure: a new one whenever a page changes) and per
such "base" standing, and each request renders only its exceptions — the viewer's completed
lessons, the current one, and the lessons with prerequisites or drip — and splices them in.
`outline_html_uncached` renders every entry; both give the same bytes (tests compare them)."""

import html
from functools import lru_cache

from django.utils.html import escape

_LOCK_ICON = None


def _lock_icon() -> str:
    global _LOCK_ICON
    if _LOCK_ICON is None:
        from django.template.loader import render_to_string

        _LOCK_ICON = render_to_string("learners/includes/lock_icon.svg").strip()
    return _LOCK_ICON


@lru_cache(maxsize=16384)
def _escaped(text) -> str:
    """`django.utils.html.escape` of a title or URL (the same five characters replaced),
    remembered: titles and URLs rarely change, and Django's lazy-aware wrapper costs more."""
    return html.escape(str(text))


def _section_open(section) -> str:
    return (
        f'<li class="outline-section"><h3 class="outline-section-title">{_escaped(section.title)}'
        '</h3><ol class="outline-lessons">'
    )


_SECTION_CLOSE = "</ol></li>"


def _entry(lesson, *, done, locked, current, badge, reason="", note="", show_minutes=False) -> str:
    classes = (
        "outline-lesson"
        + (" is-current" if current else "")
        + (" is-done" if done else "")
        + (" is-locked" if locked else "")
    )
    state = "done" if done else "locked" if locked else "open"
    mark = "✓" if done else _lock_icon() if locked else "▶" if current else "○"
    aria_current = ' aria-current="page"' if current else ""
    out = [
        f'<li class="{classes}" data-lesson-id="{lesson.pk}" data-state="{state}">'
        f'<span class="outline-mark" aria-hidden="true">{mark}</span><span class="outline-text">'
        f'<a href="{_escaped(lesson.url)}"{aria_current}>{_escaped(lesson.title)}</a>'
        f'<span class="sr-only">{"(completed)" if done else "(locked)" if locked else ""}</span>'
    ]
    if badge:
        out.append('<span class="badge badge-preview">Free preview</span>')
    if note:
        out.append(f'<span class="outline-reason" data-lock-reason="{escape(reason)}">{escape(note)}</span>')
    out.append("</span>")
    if show_minutes:
        out.append(f'<span class="outline-minutes">{lesson.estimated_minutes} min</span>')
    out.append("</li>")
    return "".join(out)


def _item_entry(item, *, enrolled: bool, show_minutes: bool) -> str:
    """The entry of one OutlineLesson (the viewer's access and completion)."""
    note = item.lock_note
    return _entry(
        item.lesson,
        done=item.is_completed,
        locked=item.is_locked,
        current=item.is_current,
        badge=item.lesson.free_preview and not enrolled,
        reason=item.access.reason if note else "",
        note=note,
        show_minutes=show_minutes,
    )


def outline_html_uncached(outline, *, enrolled: bool = False, show_minutes: bool = False) -> str:
    """Every entry rendered from the outline's items (previews, a section's part of it)."""
    out = ['<ol class="outline">']
    for section in outline.sections:
        out.append(_section_open(section.section))
        out.extend(_item_entry(item, enrolled=enrolled, show_minutes=show_minutes) for item in section.lessons)
        out.append(_SECTION_CLOSE)
    out.append("</ol>")
    return "".join(out)


def _base(structure, *, locked: bool, enrolled: bool, show_minutes: bool):
    """The outline of `structure` as a viewer sees it whose only locks are the course-wide one
    (`locked`: every lesson but the free previews), nothing done, no current lesson: the list of
    pieces, each lesson's index in it, the joined HTML, the lessons whose entry depends on
    the student (their own prerequisites or drip), and, in an open course, each lesson's entry
    once done (what a completed lesson without locks of its own looks like to every viewer)."""
    pieces, index, done = ['<ol class="outline">'], {}, {}
    for section, lessons in structure.sections:
        pieces.append(_section_open(section))
        for lesson in lessons:
            index[lesson.pk] = len(pieces)
            pieces.append(
                _entry(
                    lesson,
                    done=False,
                    locked=locked and not lesson.free_preview,
                    current=False,
                    badge=lesson.free_preview and not enrolled,
                    show_minutes=show_minutes,
                )
            )
            if not locked:
                done[lesson.pk] = _entry(
                    lesson,
                    done=True,
                    locked=False,
                    current=False,
                    badge=lesson.free_preview and not enrolled,
                    show_minutes=show_minutes,
                )
        pieces.append(_SECTION_CLOSE)
    pieces.append("</ol>")
    own_locks = frozenset(
        lesson.pk
        for _section, lessons in structure.sections
        for lesson in lessons
        if lesson.unlock_after_days or structure.prerequisites.get(lesson.pk)
    )
    return tuple(pieces), index, "".join(pieces), own_locks, done


def outline_html(outline, *, enrolled: bool = False, show_minutes: bool = False) -> str:
    """The outline's HTML: from its structure's base rendering with this viewer's exceptions
    rendered in, when the outline is the course's live one; else every entry rendered."""
    access, structure = outline.access, outline.structure
    if not outline.live or access is None or structure is None:
        return outline_html_uncached(outline, enrolled=enrolled, show_minutes=show_minutes)
    course_locked = not access.is_staff and access.course_lock() is not None
    key = ("outline-html", course_locked, bool(enrolled), bool(show_minutes))
    base = structure.derived.get(key)
    if base is None:
        base = structure.derived[key] = _base(
            structure, locked=course_locked, enrolled=bool(enrolled), show_minutes=bool(show_minutes)
        )
    pieces, index, joined, own_locks, done = base
    completed = {pk for pk in access.completed_lesson_ids if pk in index}
    exceptions = set(completed)
    if outline.current_pk in index:
        exceptions.add(outline.current_pk)
    if not access.is_staff and not course_locked:
        exceptions.update(own_locks)
    if not exceptions:
        return joined
    pieces = list(pieces)
    for pk in exceptions:
        # A completed lesson, not the current one, with no lock of its own (or a staff viewer,
        # whom nothing locks) in an open course is open: its done entry is everyone's.
        if pk in completed and pk != outline.current_pk and (access.is_staff or pk not in own_locks) and pk in done:
            pieces[index[pk]] = done[pk]
        else:
            pieces[index[pk]] = _item_entry(outline.item(pk), enrolled=enrolled, show_minutes=show_minutes)
    return "".join(pieces)
