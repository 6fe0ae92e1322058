"""Text blocks: rich text and sanitised Markdown with highlighted code."""

import markdown
import nh3
from django.utils.safestring import mark_safe
from wagtail import blocks

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "img",
    "del",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def render_markdown(source: str) -> str:
    """Markdown to HTML with Pygments-highlighted code, then sanitised: no script, no
    event handlers, no javascript: links, whatever the author typed."""
    html = markdown.markdown(
        source or "",
        extensions=["fenced_code", "codehilite", "tables", "sane_lists"],
        extension_configs={"codehilite": {"css_class": "codehilite", "guess_lang": False}},
        output_format="html",
    )
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})


class RichTextBlock(blocks.RichTextBlock):
    class Meta:
        template = "blocks/rich_text.html"
        icon = "pilcrow"
        label = "Rich text"
        description = "Formatted text with headings, lists, links and images."
        preview_value = "<p>Lessons are written in <b>rich text</b> with headings, lists and links.</p>"


class MarkdownBlock(blocks.TextBlock):
    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["html"] = mark_safe(render_markdown(value))  # sanitised by nh3 above
        return context

    class Meta:
        template = "blocks/markdown.html"
        icon = "code"
        label = "Markdown with code"
        description = "Markdown with syntax-highlighted code; any HTML or script is removed."
        rows = 12
        preview_value = (
            "## Rounding money\n\nKeep amounts in **cents**:\n\n```python\ndef vat_cents(gross: int) -> int:\n"
            "    return (gross * 15 + 57) // 115\n```\n"
        )
