"""URLs for interactive lesson blocks. What a player shows comes from the lesson page's
context (`block_states`, learners.lesson_blocks); this tag only builds a URL, no query."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_file_url(context, block_id: str, field: str, download: bool = False) -> str:
    page = context.get("page")
    if not (page and block_id):
        return ""
    url = reverse("learners:lesson-file", args=[page.pk, block_id, field])
    return url + "?download=1" if download else url
