"""`{% link 'name' arg … %}`: `{% url %}` for the site's own fixed links (the header's, a
lesson's form targets), each reversed once per process. URL patterns do not change while a
process runs, so the reversed URL of a name and arguments is fixed for the URLconf and script
prefix in use; reversing it again on every page cost the lesson page a dozen resolver walks
per request (bench/README.md "Lesson page, round four").

`{% asset 'css/x.css' %}`: `{% static %}` for the pages rendered on every request (the lesson
page's own styles and scripts), worked out once per process: `{% static %}` asks the app
registry whether staticfiles is installed (a walk over every app) before the storage each time,
and the hashed name of a file does not change while a process runs."""

from functools import lru_cache

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=4096)
def _reversed(urlconf, prefix: str, name: str, args: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=args)


@register.simple_tag
def link(name: str, *args) -> str:
    """The URL of the view named `name` with positional `args` (ints or strings)."""
    return _reversed(get_urlconf(), get_script_prefix(), name, tuple(args))


@lru_cache(maxsize=1024)
def _static_url(name: str) -> str:
    return staticfiles_storage.url(name)


@register.simple_tag
def asset(name: str) -> str:
    """The URL of the static file `name`, as `{% static %}` gives it."""
    return _static_url(name)


@receiver(setting_changed)
def _static_settings_changed(*, setting, **kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES"}:  # tests' override_settings
        _static_url.cache_clear()
