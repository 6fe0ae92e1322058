"""Whole-page cache of what anonymous visitors read most: the catalog and published course
pages (and the home page), kept in Django's cache (Redis in production, shared by every app
machine).

- Only anonymous GETs of pages whose model declares `page_cache_params` are stored, and only
  when nothing in the response is particular to this visitor: no cookie set (a CSRF token, a
  session, a message), no messages pending, no view restriction on the page, not a preview.
  Signed-in users never read or write the cache; their pages say `Cache-Control: private`.
- Invalidation is by generation: every entry carries the generation it was rendered in, and
  anything that can change a cached page (a page published, unpublished, moved, deleted or
  edited live; a category, instructor, review, image, view restriction, site or the platform
  settings saved) sets a new generation. Stale entries are never enumerated, they simply stop
  matching and expire after PAGE_CACHE_SECONDS. Student counts are the one thing left to that
  expiry: an enrollment does not invalidate (at scale it would empty the cache all day).
- The generation is read together with the entry (one round trip) and at the start of the
  request, so a page rendered while a publish commits is stored under the old generation and
  never served. It is bumped at once and again after the transaction commits.

Cache invalidation is plumbing, not a business rule, so it rides on signals, as Wagtail's own
frontend cache invalidation does."""

import hashlib
import logging

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers
from wagtail import views as wagtail_views

from core.generations import generation_bump, generation_cached, generation_current

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
HEADER = "X-Page-Cache"
ENTRY_FORMAT = "v1"  # entries are (generation, body, headers); change this if that shape changes
# Fields Wagtail saves on a live page when a draft is saved, locked or a child added; none of
# them changes what the published page shows.
_BOOKKEEPING_FIELDS = frozenset(
    {
        "wagtail_admin_comments",
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "numchild",
    }
)


def page_cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0) or 0)


# --- generation -------------------------------------------------------------------------


def _cache():
    from django.core.cache import cache

    return cache


def page_cache_invalidate() -> None:
    """Make every cached page (and course structure) stale: now, and again once the current
    transaction commits (a request that read the old rows before the commit must not store
    them as new)."""
    generation_bump(GENERATION_KEY)


def cached_until_pages_change(key: str, build, timeout: int = 300):
    """`build()`, cached until the next page change (the page cache's generation) and for at
    most `timeout` seconds (what a lost invalidation can cost, as for cached pages): for data
    derived from published pages only, such as a course's outline structure."""
    return generation_cached(key, build, generation_key=GENERATION_KEY, timeout=timeout, local=True)


# --- what may be cached -------------------------------------------------------------------


def mark_cacheable(page, request) -> None:
    """Called as the page is served (before_serve_page): remember whether this page, with this
    query string, may be stored for anonymous visitors."""
    params = getattr(page, "page_cache_params", None)
    if params is None or getattr(request, "is_preview", False):
        return
    if not set(request.GET).issubset(params):  # e.g. ?utm_source=…: unbounded keys, not stored
        return
    if page.get_view_restrictions().exists():  # a password or login restriction
        return
    request.page_cache_eligible = True


def _has_pending_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0  # len() does not mark them as read


def _anonymous(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and not user.is_authenticated


def _storable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    # The key knows only the URL and "anonymous": a response that varies on anything else
    # (a language, a compression) is not ours to share.
    varies = {name.strip().lower() for name in cc_delim_re.split(response.get("Vary", "")) if name.strip()}
    return (
        getattr(request, "page_cache_eligible", False)
        and varies <= {"cookie"}
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in cache_control
        and "no-store" not in cache_control
        and _anonymous(request)
        and not _has_pending_messages(request)
    )


# --- the middleware -----------------------------------------------------------------------


class AnonymousPageCacheMiddleware:
    """Serve and store whole anonymous page responses (see the module docstring).

    Sits before the session, CSRF and messages middleware, so what it stores is the response
    as they left it (it can see every cookie they set); its process_view runs after all of
    them, when request.user and the messages are known, and only for Wagtail's page view."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._release = None

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, "_page_cache", None)
        if state is None:
            return response
        if not _anonymous(request):
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
            return response
        key, generation = state.get("key"), state.get("generation")
        if key is None or state.get("hit") or not _storable(request, response):
            return response
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["Cookie"])
        entry = (generation, response.content, [(k, v) for k, v in response.items() if k != HEADER])
        try:
            _cache().set(key, entry, page_cache_seconds())
        except Exception:
            logger.exception("page cache: could not store %s", request.path)
            return response
        response[HEADER] = "miss"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve:
            return None
        request._page_cache = state = {}
        if not page_cache_seconds() or request.method != "GET":
            return None
        if not _anonymous(request) or _has_pending_messages(request):
            return None
        key = self._key(request)
        try:
            found = _cache().get_many([GENERATION_KEY, key])
            generation = generation_current(found, GENERATION_KEY)
        except Exception:  # the cache is down: render as if there were no cache
            logger.exception("page cache: lookup failed for %s", request.path)
            return None
        if generation is None:  # the cache accepted nothing: it cannot vouch for any entry
            return None
        state.update(key=key, generation=generation)
        entry = found.get(key)
        if entry is None or entry[0] != generation:
            return None
        state["hit"] = True
        _, content, headers = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response[HEADER] = "hit"
        return response

    def _key(self, request) -> str:
        if self._release is None:
            # Hashed static file names change with a release: pages naming the old ones must
            # not outlive it. (Every app machine of one release computes the same hash.)
            from django.contrib.staticfiles.storage import staticfiles_storage

            self._release = getattr(staticfiles_storage, "manifest_hash", "") or ""
        url = f"{request.scheme}://{request.get_host()}{request.path}?{request.META.get('QUERY_STRING', '')}"
        return f"page-cache:{ENTRY_FORMAT}:" + hashlib.sha256(f"{self._release}|{url}".encode()).hexdigest()


# --- invalidation -------------------------------------------------------------------------


def _on_page_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    if raw or not instance.live:
        return
    if update_fields is not None and set(update_fields) <= _BOOKKEEPING_FIELDS:
        return
    page_cache_invalidate()


def _on_user_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    """Instructors' and reviewers' names, bios and avatars are on course pages; a sign-in
    (last_login) or a new account changes no cached page."""
    if raw or created or (update_fields is not None and set(update_fields) <= {"last_login", "password"}):
        return
    if instance.taught_courses.exists() or instance.course_reviews.exists():
        page_cache_invalidate()


def _on_settings_saved(sender, instance, created=False, raw=False, **kwargs):
    """Wagtail creates the settings row with its defaults on first use (often while rendering
    a page); that changes nothing shown. Every later save may."""
    if not (raw or created):
        page_cache_invalidate()


def _on_change(sender=None, **kwargs):
    if not kwargs.get("raw"):
        page_cache_invalidate()


# Models whose rows appear on a cached page (besides the pages themselves).
SHOWN_ON_CACHED_PAGES = [
    "coursepages.Category",
    "coursepages.CourseInstructor",
    "learners.Review",
    "wagtailcore.PageViewRestriction",
    "wagtailcore.Site",
]


def connect() -> None:
    from django.contrib.auth import get_user_model
    from wagtail.images import get_image_model
    from wagtail.models import get_page_models
    from wagtail.signals import page_published, page_unpublished, post_page_move

    uid = "coursepages.page_cache"
    page_published.connect(_on_change, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(_on_change, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(_on_change, dispatch_uid=f"{uid}.moved")
    # Lesson prerequisites are part of a course's outline structure (generation_cached).
    from coursepages.models import LessonPage

    m2m_changed.connect(_on_change, sender=LessonPage.prerequisites.through, dispatch_uid=f"{uid}.prerequisites")
    # Per page model, not sender=None: a post_delete receiver for every model would switch off
    # Django's fast bulk deletes everywhere.
    for model in get_page_models():
        post_save.connect(_on_page_saved, sender=model, dispatch_uid=f"{uid}.saved.{model._meta.label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}.deleted.{model._meta.label}")
    for label in SHOWN_ON_CACHED_PAGES:
        post_save.connect(_on_change, sender=label, dispatch_uid=f"{uid}.saved.{label}")
        post_delete.connect(_on_change, sender=label, dispatch_uid=f"{uid}.deleted.{label}")
    post_save.connect(_on_settings_saved, sender="coursepages.PlatformSettings", dispatch_uid=f"{uid}.settings")
    image = get_image_model()
    post_save.connect(_on_image_saved, sender=image, dispatch_uid=f"{uid}.image_saved")
    post_delete.connect(_on_change, sender=image, dispatch_uid=f"{uid}.image_deleted")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid=f"{uid}.user_saved")


def _on_image_saved(sender, instance, created=False, raw=False, **kwargs):
    if not (raw or created):  # a new upload is on no page yet
        page_cache_invalidate()
