"""Template tags for quiz and assignment blocks inside a lesson page.

Wagtail passes a block template its value only, not the block id that identifies the
activity, so the tag finds the id by looking for the very same value object in the page
body (`page.body` caches its children, so the lesson page's loop and this tag see the
same objects)."""

from django import template

from learners.activity_blocks import Activity

register = template.Library()


def _block_id_of(page, value):
    for child in getattr(page, "body", []) or []:
        if child.value is value:
            return child.id, child.block_type
    return None, None


_NOT_LOADED = object()


def _enrollment(page, user):
    """The user's open enrollment in the page's course: one query per page, shared by its blocks."""
    cached = getattr(page, "_assessment_enrollment", _NOT_LOADED)
    if cached is _NOT_LOADED:
        from coursepages.models import CoursePage
        from learners.models import Enrollment

        cached = None
        access = getattr(page, "course_access", None)  # set by the lesson player (learners.pages)
        if access is not None and access.user == user:
            cached = access.enrollment if access.is_enrolled else None
            if cached is not None:
                cached.course = access.course
        elif user.is_authenticated:
            cached = (Enrollment.objects.filter(user=user, course__in=CoursePage.objects.ancestor_of(page))
                      .select_related("course").first())
            if cached and not cached.is_open:
                cached = None
        page._assessment_enrollment = cached
    return cached


def _activity(context, value):
    page = context.get("page")
    request = context.get("request")
    if page is None or request is None:
        return None, None
    block_id, block_type = _block_id_of(page, value)
    if block_id is None:
        return None, None
    enrollment = _enrollment(page, request.user)
    course = enrollment.course if enrollment else None
    return Activity(block_id=block_id, block_type=block_type, lesson=page, course=course, value=value), enrollment


@register.simple_tag(takes_context=True)
def quiz_state(context, value):
    """The signed-in student's attempts at this quiz (None outside a lesson page)."""
    from learners.quiz import quiz_state_for

    activity, enrollment = _activity(context, value)
    if activity is None:
        return None
    return quiz_state_for(user=context["request"].user, activity=activity, enrollment=enrollment)


@register.simple_tag(takes_context=True)
def assignment_state(context, value):
    """The signed-in student's submissions of this assignment (None outside a lesson page)."""
    from learners.assignments import assignment_state_for

    activity, enrollment = _activity(context, value)
    if activity is None:
        return None
    return assignment_state_for(user=context["request"].user, activity=activity, enrollment=enrollment)


@register.filter
def percent(value):
    return "" if value is None else f"{value:g}%"
