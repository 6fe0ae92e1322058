"""`{% link 'name' arg … %}`: `{% url %}` for the site's own fixed links (the header's, a
lesson's form targets), each reversed once per process. URL patterns do not change while a
process runs, so the reversed URL of a name and arguments is fixed for the URLconf and script
prefix in use; reversing it again on every page cost the lesson page a dozen resolver walks
per request (bench/README.md "Lesson page, round four")."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=4096)
def _reversed(urlconf, prefix: str, name: str, args: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=args)


@register.simple_tag
def link(name: str, *args) -> str:
    """The URL of the view named `name` with positional `args` (ints or strings)."""
    return _reversed(get_urlconf(), get_script_prefix(), name, tuple(args))
