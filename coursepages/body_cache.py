"""A published lesson body's shared blocks rendered once, not on every request.

Most of a lesson body is text, callouts and images whose HTML is the same for every viewer
(blocks.lesson_body.SHARED_BLOCK_TYPES); the activity and player blocks (quiz, assignment,
H5P, video, AI tool, document) show each viewer's state and are rendered per request from the
learning context. The shared blocks' HTML is kept per lesson, published revision and release,
until any page changes (the page cache's generation: a publish, an unpublish, a move or a
live edit of any page, an image saved) and for at most BODY_SECONDS. Never for a preview or a
draft: those render every block."""

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from blocks.lesson_body import SHARED_BLOCK_TYPES
from core.generations import generation_cached

from .page_cache import GENERATION_KEY

# What a lost invalidation can cost, as for cached pages and course structures.
BODY_SECONDS = 300
_release = None


def _release_hash() -> str:
    """Hashed static file names change with a release, and so may block templates: HTML
    rendered by another release is not used."""
    global _release
    if _release is None:
        from django.contrib.staticfiles.storage import staticfiles_storage

        _release = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return _release


def _may_cache(page, request) -> bool:
    return bool(page.pk and page.live and not getattr(request, "is_preview", False))


def lesson_body_html(*, page, context) -> str:
    """The lesson body as `{% for block in page.body %}<span id="at-{{ block.id }}"
    class="block-anchor"></span>{% include_block block %}{% endfor %}` renders it in
    `context` (a template Context), with the shared blocks' HTML from the cache."""
    children = list(page.body)
    flat = None

    def render(child) -> str:
        nonlocal flat
        if flat is None:  # include_block passes the whole template context on
            flat = context.flatten()
        return conditional_escape(child.render_as_block(context=flat))

    shared = [child for child in children if child.block_type in SHARED_BLOCK_TYPES and child.id]
    cached: dict[str, str] = {}
    if shared and _may_cache(page, context.get("request")):
        key = f"lesson-body:v1:{_release_hash()}:{page.pk}:{page.live_revision_id or 0}"
        cached = generation_cached(
            key,
            lambda: {child.id: str(render(child)) for child in shared},
            generation_key=GENERATION_KEY,
            timeout=BODY_SECONDS,
            local=True,
        )
    out = []
    for child in children:
        out.append(f'<span id="at-{conditional_escape(child.id)}" class="block-anchor"></span>')
        html = cached.get(child.id) if child.id else None
        out.append(html if html is not None else render(child))
    return mark_safe("".join(out))  # noqa: S308 — block templates' output, escaped as include_block does
