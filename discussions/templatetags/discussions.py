from django import template

from discussions.markdown import post_html

register = template.Library()


@register.filter
def post_markdown(body: str) -> str:
    """A post's Markdown as sanitised HTML (the lesson Markdown sanitiser)."""
    return post_html(body)
