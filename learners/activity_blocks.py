"""The index of activity blocks: block id → lesson, so a quiz or assignment (identified in
the API by its block id) is found in one query. It is refreshed whenever a lesson is
published (`page_published`, connected in LearnersConfig.ready); a block not yet indexed
(a lesson saved without publishing, e.g. by a data migration) is found by searching the
lesson bodies once and then indexed."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from blocks.lesson_body import ACTIVITY_BLOCK_TYPES
from coursepages.models import CoursePage, LessonPage
from learners.enrollment.services import LearningError
from learners.models import ActivityBlock

if TYPE_CHECKING:
    from learners.access import LearningContext


@dataclass
class Activity:
    """A located activity block: its lesson, course and current (published) value."""

    block_id: str
    block_type: str
    lesson: LessonPage
    course: CoursePage
    value: object  # the block's StructValue


INDEXED_FIELDS = ("block_type", "lesson", "course", "title", "position")


@transaction.atomic
def activity_blocks_index(*, lesson: LessonPage) -> list[ActivityBlock]:
    """Bring the index rows of `lesson` in line with its body (idempotent). One upsert for the
    lesson's activity blocks and one delete for the blocks that left it, whatever their number;
    the body is read raw (type, id, title), so publishing loads no chosen document or image."""
    course = CoursePage.objects.ancestor_of(lesson).first()
    rows = []
    for position, child in enumerate(lesson.body.raw_data):
        if child["type"] not in ACTIVITY_BLOCK_TYPES or not child.get("id"):
            continue
        value = child.get("value")
        title = str((value.get("title") if isinstance(value, dict) else "") or "")[:255]
        rows.append(
            ActivityBlock(
                block_id=child["id"],
                block_type=child["type"],
                lesson=lesson,
                course=course,
                title=title,
                position=position,
            )
        )
    if rows:
        # An upsert on the unique block id: concurrent publishes of the lesson cannot collide,
        # and a block moved here from another lesson is re-pointed.
        ActivityBlock.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["block_id"], update_fields=list(INDEXED_FIELDS)
        )
    ActivityBlock.objects.filter(lesson=lesson).exclude(block_id__in=[row.block_id for row in rows]).delete()
    return rows


def on_page_published(sender, instance, **kwargs):
    """`page_published` receiver: re-index a lesson's activity blocks."""
    if isinstance(instance, LessonPage):
        activity_blocks_index(lesson=instance)


def _block_in(lesson: LessonPage, block_id: str):
    for child in lesson.body:
        if child.id == block_id:
            return child
    return None


def activity_in_lesson(*, lesson: LessonPage, course: CoursePage, block_id: str, block_type: str) -> Activity | None:
    """The live activity block `block_id` of type `block_type` in `lesson` as loaded (None when
    the lesson is not live or the block left it or changed type): for a caller that already
    holds the lesson, without `activity_get`'s lookup."""
    child = _block_in(lesson, str(block_id)) if lesson.live else None
    if child is None or child.block_type != block_type:
        return None
    return Activity(block_id=str(block_id), block_type=block_type, lesson=lesson, course=course, value=child.value)


def activity_get(*, block_id: str, block_type: str | None = None) -> Activity:
    """Find a live activity block by id; LearningError('not_found') when there is none."""
    block_id = str(block_id)
    row = ActivityBlock.objects.select_related("lesson", "course").filter(block_id=block_id).first()
    child = None
    if row and row.lesson.live:
        child = _block_in(row.lesson, block_id)
        lesson, course = row.lesson, row.course
    if child is None:
        lesson = (
            LessonPage.objects.live()
            .annotate(body_text=Cast("body", TextField()))
            .filter(body_text__contains=block_id)
            .first()
        )
        if lesson is not None:
            child = _block_in(lesson, block_id)
            if child is not None:
                activity_blocks_index(lesson=lesson)
                course = CoursePage.objects.ancestor_of(lesson).first()
    if child is None or (block_type and child.block_type != block_type):
        raise LearningError("There is no such activity.", "not_found")
    return Activity(block_id=block_id, block_type=child.block_type, lesson=lesson, course=course, value=child.value)


def activity_for_student(
    *, user, block_id: str, block_type: str, not_enrolled: str
) -> tuple[Activity, "LearningContext"]:
    """The activity a student works on, with their learning context in its lesson; the
    activity's services refuse through `context.learner(not_enrolled)` (the access policy's
    reason, or `not_enrolled` with the given sentence)."""
    from learners.access import learning_context_for

    activity = activity_get(block_id=block_id, block_type=block_type)
    context = learning_context_for(user=user, lesson=activity.lesson, course=activity.course)
    context.learner(not_enrolled)
    return activity, context
