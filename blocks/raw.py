"""Build stored StreamField data from plain Python data, with an id on every stream child
and list item (quiz questions and options are identified by those ids)."""

from blocks.home import HomeBodyBlock
from blocks.lesson_body import LessonBodyBlock

_BODY = LessonBodyBlock()
_HOME = HomeBodyBlock()


def lesson_body(items: list[tuple[str, object]]) -> list[dict]:
    """[(block type, raw value), ...] → the JSON-ready list a LessonPage.body stores."""
    value = _BODY.to_python([{"type": block_type, "value": raw} for block_type, raw in items])
    list(value)  # bind every child, so list items get their ids when prepared (not lazily left raw)
    return _BODY.get_prep_value(value)


def home_sections(items: list[tuple[str, object]]) -> list[dict]:
    """[(block type, raw value), ...] → the JSON-ready list a HomePage.sections stores."""
    value = _HOME.to_python([{"type": block_type, "value": raw} for block_type, raw in items])
    list(value)
    return _HOME.get_prep_value(value)
