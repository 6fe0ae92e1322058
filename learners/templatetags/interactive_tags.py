"""Template tags for interactive lesson blocks (video, document, H5P, AI tool).

Wagtail gives a block template only the block's value; the activity's identity is the
block id, so `interactive_block_id` finds the stream child whose value *is* this value in
`page.body` (the same StreamValue the lesson template iterates, so identity holds)."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from blocks.ai_tool import origin_of
from blocks.video import vimeo_id, youtube_id
from learners.models import Enrollment, VideoProgress
from learners.xapi import activity_iri, h5p_state_for

register = template.Library()


@register.simple_tag(takes_context=True)
def interactive_block_id(context, value) -> str:
    page = context.get("page")
    body = getattr(page, "body", None)
    if body is None:
        return ""
    for child in body:
        if child.value is value:
            return child.id or ""
    return ""


def _can_record(context) -> bool:
    """Whether the viewer is an enrolled student of the lesson's course (cached per request)."""
    request, page = context.get("request"), context.get("page")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and page is not None and hasattr(page, "course")):
        return False
    cache = request.__dict__.setdefault("_interactive_enrolled", {})
    access = getattr(page, "course_access", None)  # set by the lesson player (learners.pages)
    if page.pk not in cache and access is not None and access.user == user:
        cache[page.pk] = access.is_enrolled
    if page.pk not in cache:
        course = page.course()
        enrollment = Enrollment.objects.filter(user=user, course=course).first() if course else None
        cache[page.pk] = bool(enrollment and enrollment.is_open)
    return cache[page.pk]


def _site_origin(context) -> str:
    request = context.get("request")
    return f"{request.scheme}://{request.get_host()}" if request else settings.SITE_URL


@register.simple_tag(takes_context=True)
def h5p_player_config(context, value, block_id: str) -> dict:
    """Options for h5p-standalone and our reporting, as a dict for json_script."""
    page, request = context.get("page"), context.get("request")
    package = value.get("package")
    if not (page and block_id and package and package.content_path):
        return {}
    can_record = _can_record(context)
    state = h5p_state_for(user=request.user, lesson=page, block_id=block_id) if can_record else ""
    base = reverse("learners:h5p-file", args=[page.pk, block_id, "h5p.json"]).rsplit("/", 1)[0]
    return {
        "id": block_id,
        "lessonId": page.pk,
        "h5pJsonPath": base,
        "frameJs": static("vendor/h5p-standalone/frame.bundle.js"),
        "frameCss": static("vendor/h5p-standalone/styles/h5p.css"),
        "xAPIObjectIRI": activity_iri(lesson_id=page.pk, block_id=block_id),
        "saveFreq": 10,
        "state": state,
        "canRecord": can_record,
        "xapiUrl": f"/api/v1/h5p/{block_id}/xapi/",
        "stateUrl": f"/api/v1/h5p/{block_id}/state/",
        "title": value.get("title") or package.title,
    }


@register.simple_tag(takes_context=True)
def ai_tool_config(context, value, block_id: str) -> dict:
    page = context.get("page")
    if not (page and block_id):
        return {}
    site_origin = _site_origin(context)
    allowed = (value.get("allowed_origin") or "").rstrip("/") or site_origin
    tool_url = value.get("tool_url") or ""
    return {
        "blockId": block_id,
        "canLaunch": _can_record(context),
        "launchUrl": reverse("learners:ai-tool-launch", args=[page.pk, block_id]),
        "statusUrl": reverse("learners:ai-tool-status", args=[page.pk, block_id]),
        "allowedOrigin": allowed,
        "toolOrigin": origin_of(tool_url) or site_origin,
    }


@register.simple_tag(takes_context=True)
def lesson_file_url(context, block_id: str, field: str, download: bool = False) -> str:
    page = context.get("page")
    if not (page and block_id):
        return ""
    url = reverse("learners:lesson-file", args=[page.pk, block_id, field])
    return url + "?download=1" if download else url


@register.simple_tag(takes_context=True)
def video_player_config(context, value, block_id: str) -> dict:
    page, request = context.get("page"), context.get("request")
    if not (page and block_id):
        return {}
    source = value.get("source")
    config = {"blockId": block_id, "source": source, "canRecord": _can_record(context),
              "reportUrl": f"/api/v1/lessons/{page.pk}/video/", "threshold": value.get("completion_threshold") or 90,
              "position": 0, "watchedPercent": 0}
    if source == "youtube":
        config["embedId"] = youtube_id(value.get("url") or "")
    elif source == "vimeo":
        config["embedId"] = vimeo_id(value.get("url") or "")
    if config["canRecord"]:
        progress = VideoProgress.objects.filter(user=request.user, lesson=page, block_id=block_id).first()
        if progress:
            config.update(position=progress.position, watchedPercent=progress.watched_percent)
    return config
