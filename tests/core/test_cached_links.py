"""Links worked out once per process must still be the links Django and Wagtail would give:
`{% link %}` equals `{% url %}` (and follows the script prefix), production's static storage
gives the manifest's hashed URL (and refuses a name missing from the manifest every time), and
the cached site root paths follow a change of site."""

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from wagtail import views as wagtail_views
from wagtail.models import Site

from core.static_storage import CachedURLManifestStaticFilesStorage
from coursepages.site_cache import CachedSiteMiddleware
from tests.factories import make_course


def _render(source: str, **context) -> str:
    return Template("{% load links %}" + source).render(Context(context))


def test_link_equals_url_with_and_without_arguments():
    assert _render("{% link 'learners:dashboard' %}") == reverse("learners:dashboard")
    assert _render("{% link 'learners:lesson_complete' pk %}", pk=7) == reverse("learners:lesson_complete", args=[7])
    assert _render("{% link 'learners:lesson_complete' pk %}", pk=8) == reverse("learners:lesson_complete", args=[8])


def test_link_follows_the_script_prefix():
    try:
        set_script_prefix("/school/")
        shown = _render("{% link 'learners:dashboard' %}")
        assert shown == reverse("learners:dashboard") and shown.startswith("/school/")
    finally:
        set_script_prefix("/")
    assert not _render("{% link 'learners:dashboard' %}").startswith("/school/")


def test_production_static_urls_are_the_manifest_urls(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.static_storage.CachedURLManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    storage = CachedURLManifestStaticFilesStorage(location=str(tmp_path))
    first = storage.url("css/site.css")
    assert first.startswith("/static/css/site.") and first != "/static/css/site.css"  # hashed
    assert first == storage.url("css/site.css") == "/static/" + storage.stored_name("css/site.css")
    assert storage.url("css/site.css", force=True) == first
    for _ in range(2):  # a name missing from the manifest is refused each time, never kept
        with pytest.raises(ValueError):
            storage.url("css/no-such-file.css")


def test_asset_equals_static_and_follows_a_change_of_storage(settings, tmp_path):
    both = "{% load static %}{% asset 'css/learning.css' %}|{% static 'css/learning.css' %}"
    asset, static = _render(both).split("|")
    assert asset == static == "/static/css/learning.css"
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.static_storage.CachedURLManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    asset, static = _render(both).split("|")
    assert asset == static != "/static/css/learning.css"  # the manifest's hashed name, not the kept one


@pytest.mark.django_db
def test_cached_site_root_paths_follow_a_change_of_site():
    make_course(title="Root paths course", lessons=1)
    middleware = CachedSiteMiddleware(lambda request: None)

    def paths():
        request = RequestFactory().get("/courses/")
        middleware.process_view(request, wagtail_views.serve, (), {})
        return request._wagtail_cached_site_root_paths

    assert paths() == Site.get_site_root_paths()
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "school.example.test", 8443
    site.save()
    changed = paths()
    assert changed == Site.get_site_root_paths()
    assert "school.example.test:8443" in changed[0].root_url
