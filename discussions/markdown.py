"""Post bodies are Markdown, rendered and sanitised exactly as lesson Markdown is
(blocks.text.render_markdown: nh3 allow-list, no script, no event handlers, no javascript:)."""

import re

from django.utils.safestring import mark_safe

from blocks.text import render_markdown

MENTION = re.compile(r"(?<![\w@.])@([A-Za-z][\w.-]{0,40})")


def post_html(body: str) -> str:
    return mark_safe(render_markdown(body))  # sanitised by nh3 in render_markdown


def mentioned_handles(body: str) -> set[str]:
    """`@instructor`, `@instructors` or `@FirstName` / `@FirstLast` (case-insensitive)."""
    return {m.lower().rstrip(".") for m in MENTION.findall(body or "")}
