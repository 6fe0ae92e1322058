"""Wagtail checks page view restrictions (passwords, groups) on every page served, at two
queries a request. Lectern's access rules live in learners.access, so restrictions are rare:
a cached "any restriction at all?" flag skips those queries until an admin adds one."""

from django.core.cache import cache
from wagtail.models import PageViewRestriction

FLAG = "lectern:page-view-restrictions-exist"


def view_restrictions_exist() -> bool:
    exists = cache.get(FLAG)
    if exists is None:
        exists = PageViewRestriction.objects.exists()
        cache.set(FLAG, exists, 600)
    return exists


def forget(**kwargs):
    cache.delete(FLAG)


class ViewRestrictionShortcutMixin:
    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
