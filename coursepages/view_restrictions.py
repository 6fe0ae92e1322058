"""Wagtail checks page view restrictions (passwords, groups) on every page served, at two
queries a request. Lectern's access rules live in learners.access, so restrictions are rare:
a cached "any restriction at all?" flag skips those queries until an admin adds one. The flag
is kept with the page cache's generation (in the process, read with the generation the request
has already read: no round trip of its own); adding, changing or removing a restriction starts a
new generation (`page_cache.SHOWN_ON_CACHED_PAGES`), which also drops anonymous copies of a page
that is now restricted."""

from wagtail.models import PageViewRestriction

FLAG = "lectern:page-view-restrictions-exist:v2"


def view_restrictions_exist() -> bool:
    from .page_cache import cached_until_pages_change  # page_cache reads the page models: not at import

    # "no" is stored as False, not None (None is never stored: it would be built every time)
    return cached_until_pages_change(FLAG, PageViewRestriction.objects.exists, timeout=600)


def _none():
    """An empty queryset that is already evaluated: Wagtail's serve hook iterates the page's
    restrictions on every page served, and iterating `.none()` still builds the ORM's query
    machinery each time. Anything chained from it (`order_by`, `exists`) is `.none()` again."""
    restrictions = PageViewRestriction.objects.none()
    restrictions._result_cache = []  # noqa: SLF001 — what evaluating it would have stored
    return restrictions


class ViewRestrictionShortcutMixin:
    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return _none()
        return super().get_view_restrictions()
