"""Rebuild, after a flush, what the migrations created: locale, root page and collection,
then the site structure migration itself (Home → Courses, site, groups, page permissions,
the Course review workflow)."""

import importlib

from django.apps import apps


def ensure_site_tree():
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, Locale, Page

    from coursepages.models import CourseIndexPage

    # A flush recreates content types with new ids: forget the cached ones.
    ContentType.objects.clear_cache()
    if CourseIndexPage.objects.exists():
        return
    locale = Locale.objects.first() or Locale.objects.create(language_code="en")
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale, live=True))
    migration = importlib.import_module("coursepages.migrations.0002_site_structure")
    migration.create_structure(apps, None)
