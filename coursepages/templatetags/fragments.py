"""`{% fragment "name" key … %} … {% hole %}…{% endhole %} … {% endfragment %}`: a part of a
page rendered once per process and reused for every viewer with the same keys, with the parts
that differ per viewer ("holes") rendered per request and put in their places.

The fragment's text outside its holes may depend only on (a) published pages and site settings,
i.e. the page cache's generation, which is part of every key, so any page change, publish,
move or settings change renders it anew, and (b) the keys listed in the tag, each an int,
str, bool or None (the tag refuses anything else: a model would be keyed by identity). What
differs per viewer and is not a key (the CSRF token, unread counts, progress numbers, the
outline, the lesson body) goes in a `{% hole %}`, rendered per request in the live context.
A hole is never inside a `{% for %}` of the fragment (each hole renders once per place).
The CSRF token needs no hole, in the fragment or in a template it includes: the kept text holds
a marker wherever `{% csrf_token %}` (or `{{ csrf_token }}`) put the token, and each request's
token replaces it.

Not cached: previews (a draft's title under the live page's key), requests that have not read
the page generation (e.g. the cache is down), and entries older than `MAX_AGE` seconds (a bump
that never reached Redis). With `settings.FRAGMENT_CACHE_VERIFY` (the test settings), every
cached render is compared with a full render and a difference raises: the whole suite checks
that no fragment reads what its keys do not say (bench/README.md "Lesson page, round four")."""

import secrets
import threading
import time
from collections import OrderedDict

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from core.generations import generation_read_in_request

from ..page_cache import GENERATION_KEY

register = template.Library()

ENTRIES = 4096
MAX_AGE = 60
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()
_MARK = f"\x00hole-{secrets.token_hex(8)}:"  # never in a rendered page (NUL bytes are refused at the edge)
_KEY_TYPES = (int, str, bool, type(None))
# Stands for the CSRF token in kept text: letters and digits only, so no escaping changes it.
_CSRF_MARK = f"csrfmark{secrets.token_hex(16)}"


class FragmentKeyError(template.TemplateSyntaxError):
    pass


class FragmentMismatch(AssertionError):
    """FRAGMENT_CACHE_VERIFY: a cached fragment differs from its full render."""


def forget_all() -> None:
    with _lock:
        _entries.clear()


class _WalkedOnce(template.Node):
    """`get_nodes_by_type` remembered: Django's `{% extends %}` walks the whole parent template
    for its blocks on every render, and a fragment holds most of base.html. A parsed node list
    never changes, so the walk's answer does not either."""

    def get_nodes_by_type(self, nodetype):
        walked = self.__dict__.setdefault("_walked", {})
        if nodetype not in walked:
            walked[nodetype] = super().get_nodes_by_type(nodetype)
        return list(walked[nodetype])


class HoleNode(_WalkedOnce):
    def __init__(self, index: int, nodelist):
        self.index, self.nodelist = index, nodelist

    def render(self, context):
        if context.render_context.get(FragmentNode.CAPTURING):
            return f"{_MARK}{self.index}\x00"
        return self.nodelist.render(context)


class FragmentNode(_WalkedOnce):
    CAPTURING = "fragments.capturing"

    def __init__(self, name: str, keys, nodelist, holes: list[HoleNode]):
        self.name, self.keys, self.nodelist, self.holes = name, keys, nodelist, holes

    def _key(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return None
        generation = generation_read_in_request(GENERATION_KEY)
        if generation is None:
            return None
        values = []
        for expression in self.keys:
            value = expression.resolve(context)
            if not isinstance(value, _KEY_TYPES):
                raise FragmentKeyError(
                    f"fragment {self.name!r}: key {expression.token!r} is a {type(value).__name__}, "
                    "not an int, str, bool or None"
                )
            values.append(value)
        return (id(self), generation, "csrf_token" in context, *values)

    def _capture(self, context):
        """The fragment's text with a marker where each hole goes: (texts, hole order)."""
        context.render_context[self.CAPTURING] = True
        try:
            if "csrf_token" in context:
                with context.push(csrf_token=_CSRF_MARK):
                    text = self.nodelist.render(context)
            else:
                text = self.nodelist.render(context)
        finally:
            context.render_context[self.CAPTURING] = False
        parts = text.split(_MARK)
        texts, order = [parts[0]], []
        for part in parts[1:]:
            index, _, rest = part.partition("\x00")
            order.append(int(index))
            texts.append(rest)
        return tuple(texts), tuple(order)

    def render(self, context):
        if context.render_context.get(self.CAPTURING):  # a fragment inside a fragment
            return self.nodelist.render(context)
        key = self._key(context)
        if key is None:
            return self.nodelist.render(context)
        with _lock:
            entry = _entries.get(key)
            if entry is not None and time.monotonic() - entry[2] > MAX_AGE:
                entry = None
            if entry is not None:
                _entries.move_to_end(key)
        if entry is None:
            texts, order = self._capture(context)
            with _lock:
                _entries[key] = (texts, order, time.monotonic())
                _entries.move_to_end(key)
                while len(_entries) > ENTRIES:
                    _entries.popitem(last=False)
        else:
            texts, order = entry[0], entry[1]
        pieces = [texts[0]]
        for index, text in zip(order, texts[1:], strict=True):
            pieces.append(self.holes[index].nodelist.render(context))
            pieces.append(text)
        shown = "".join(pieces)
        if _CSRF_MARK in shown:
            shown = shown.replace(_CSRF_MARK, str(context.get("csrf_token")))
        if getattr(settings, "FRAGMENT_CACHE_VERIFY", False):
            full = self.nodelist.render(context)
            if full != shown:
                raise FragmentMismatch(
                    f"fragment {self.name!r} differs from its full render (a value outside a hole "
                    f"that is not a key?)\n--- cached\n{shown}\n--- full\n{full}"
                )
        return mark_safe(shown)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    name = bits[1].strip("\"'")
    keys = [parser.compile_filter(bit) for bit in bits[2:]]
    holes: list[HoleNode] = []
    parser._fragment_holes = holes  # noqa: SLF001 — the holes of the fragment being parsed
    try:
        nodelist = parser.parse(("endfragment",))
    finally:
        del parser._fragment_holes
    parser.delete_first_token()
    return FragmentNode(name, keys, nodelist, holes)


@register.tag
def hole(parser, token):
    holes = getattr(parser, "_fragment_holes", None)
    if holes is None:
        raise template.TemplateSyntaxError("{% hole %} is only allowed inside {% fragment %}")
    nodelist = parser.parse(("endhole",))
    parser.delete_first_token()
    node = HoleNode(len(holes), nodelist)
    holes.append(node)
    return node
