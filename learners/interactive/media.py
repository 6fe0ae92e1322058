"""Lesson media: find an interactive block in a lesson, check that a user may use it,
serve a lesson's files (documents, uploaded video, captions) with byte ranges, count
downloads, and turn video progress reports into watched time that cannot be skipped."""

import mimetypes
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from blocks.video import server_duration
from core.storage import storage_for
from coursepages.models import LessonPage
from learners.access import LearningContext, learning_context_for
from learners.enrollment.services import LearningError, activity_complete
from learners.models import DocumentDownload, LessonProgress, VideoProgress

# Video reports: a client may claim at most this much watching per second of wall clock
# (2× playback speed), plus a little slack for timer jitter (never more slack than the
# wall-clock time itself, so a burst of reports earns nothing); a gap longer than MAX_GAP
# seconds between reports breaks continuity (the tab slept, or the client is replaying).
MAX_PLAYBACK_RATE = 2.0
SLACK_SECONDS = 3.0
MAX_GAP_SECONDS = 90.0


def interactive_block(*, lesson: LessonPage, block_id: str, block_type: str | tuple[str, ...]):
    """The StreamChild with `block_id` in the lesson body, of the given type; else not_found."""
    types = (block_type,) if isinstance(block_type, str) else block_type
    for child in lesson.body:
        if child.id == block_id and child.block_type in types:
            return child
    raise LearningError("That activity is not part of this lesson.", "not_found")


def lesson_for(*, lesson_id) -> LessonPage:
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first() if str(lesson_id).isdigit() else None
    if lesson is None:
        raise LearningError("No such lesson.", "not_found")
    return lesson


def learner_context(*, user, lesson: LessonPage) -> LearningContext:
    """The learning context of a user who may record learning in `lesson` (the access
    policy's; `learner()` on it refuses with the policy's reason otherwise)."""
    if not user.is_authenticated:
        raise LearningError("Sign in to do this.", "not_enrolled")
    context = learning_context_for(user=user, lesson=lesson)
    context.learner()
    return context


# ---------------------------------------------------------------- files

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def file_response(
    *, request, storage, name: str, download_name: str, as_attachment: bool = False, cache_seconds: int = 0
):
    """Serve a file the caller has authorised: a signed redirect on S3; otherwise a
    streamed response that honours a single byte range (video seeking needs it)."""
    disposition = "attachment" if as_attachment else "inline"
    safe_name = download_name.replace('"', "")
    storage = storage_for(storage, name)
    if hasattr(storage, "bucket_name"):
        return HttpResponseRedirect(
            storage.url(name, parameters={"ResponseContentDisposition": f'{disposition}; filename="{safe_name}"'})
        )
    content_type = mimetypes.guess_type(download_name)[0] or mimetypes.guess_type(name)[0]
    content_type = content_type or "application/octet-stream"
    size = storage.size(name)
    match = RANGE.match(request.headers.get("Range", "")) if request is not None else None
    if match and (match.group(1) or match.group(2)):
        start_text, end_text = match.groups()
        if start_text:
            start = int(start_text)
            end = min(int(end_text), size - 1) if end_text else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(end_text)), size - 1
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = storage.open(name, "rb")
        handle.seek(start)
        response = HttpResponse(handle.read(end - start + 1), status=206, content_type=content_type)
        handle.close()
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(
            storage.open(name, "rb"), as_attachment=as_attachment, filename=safe_name, content_type=content_type
        )
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["Cache-Control"] = f"private, max-age={cache_seconds}" if cache_seconds else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


LESSON_FILE_FIELDS = {"document": ("document",), "video": ("file", "captions")}


def lesson_file_document(*, lesson: LessonPage, block_id: str, field: str):
    """The Wagtail document behind a lesson block's file field (a PDF, a video, captions)."""
    block = interactive_block(lesson=lesson, block_id=block_id, block_type=tuple(LESSON_FILE_FIELDS))
    if field not in LESSON_FILE_FIELDS[block.block_type]:
        raise LearningError("That block has no such file.", "not_found")
    document = block.value.get(field)
    if document is None:
        raise LearningError("That file is no longer available.", "not_found")
    return block, document


def document_download_record(*, context: LearningContext, block_id: str, document) -> DocumentDownload:
    """Count one download of a lesson document by a viewer the access policy lets in."""
    if not context.verdict.allowed:
        raise LearningError(context.verdict.message, context.verdict.reason)
    user, lesson = context.user, context.lesson
    try:
        with transaction.atomic():
            row, created = DocumentDownload.objects.get_or_create(
                user=user, lesson=lesson, block_id=block_id, defaults={"document": document, "count": 1}
            )
    except IntegrityError:  # a concurrent first download created it
        row, created = DocumentDownload.objects.get(user=user, lesson=lesson, block_id=block_id), False
    if not created:
        DocumentDownload.objects.filter(pk=row.pk).update(
            count=F("count") + 1, document=document, last_downloaded_at=timezone.now()
        )
        row.refresh_from_db()
    return row


# ---------------------------------------------------------------- video


def merge_ranges(ranges: list[list[float]]) -> list[list[float]]:
    """Sort and merge overlapping or touching [start, end] ranges."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in ranges if b > a):
        if merged and start <= merged[-1][1] + 0.5:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(a, 2), round(b, 2)] for a, b in merged]


def covered_seconds(ranges: list[list[float]]) -> float:
    return sum(end - start for start, end in merge_ranges(ranges))


def _clip(ranges, duration: float) -> list[list[float]]:
    clipped = []
    for pair in ranges or []:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise LearningError("played_ranges must be a list of [start, end] pairs.", "invalid")
        start, end = (max(0.0, min(float(value), duration)) for value in pair)
        if end > start:
            clipped.append([start, end])
    return clipped


@transaction.atomic
def video_progress_report(
    *,
    context: LearningContext,
    block_id: str,
    position: float,
    played_ranges: list | None = None,
    now: datetime | None = None,
) -> VideoProgress:
    """Record where a student is in a video and how much of it they have really watched.

    The video's length is the server's (the block's `duration`, entered in the editor or read
    from the uploaded file); whatever length the player reports is not asked for. Watched
    time is only what the student played: the stretch between two reports counts when the
    position moved forward no faster than MAX_PLAYBACK_RATE × the wall-clock time between
    them; a jump ahead (skipping) only moves the resume point. Ranges the player says were
    played (`played_ranges`) are accepted only in the amount the wall clock allows since the
    last report. Reaching the block's threshold of the server's length completes it; a video
    whose length the server does not know records the position and never completes."""
    user, lesson = context.user, context.lesson
    block = interactive_block(lesson=lesson, block_id=block_id, block_type="video")
    enrollment = context.learner()
    if position < 0 or position != position:  # position != position: NaN
        raise LearningError("The position cannot be negative.", "invalid")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            progress, _ = VideoProgress.objects.get_or_create(user=user, lesson=lesson, block_id=block_id)
    except IntegrityError:
        pass
    progress = VideoProgress.objects.select_for_update().get(user=user, lesson=lesson, block_id=block_id)
    known = server_duration(block.value)
    progress.duration = known or 0.0
    duration = known or 0.0
    position = min(float(position), duration) if known else float(position)
    if not known:
        progress.position = position
        progress.last_report_at = now
        progress.save()
        return progress

    ranges = [list(pair) for pair in progress.watched_ranges]
    before = covered_seconds(ranges)
    if progress.last_report_at is not None:
        elapsed = (now - progress.last_report_at).total_seconds()
        elapsed = max(0.0, elapsed)
        budget = elapsed * MAX_PLAYBACK_RATE + min(SLACK_SECONDS, elapsed)
        advanced = position - progress.position
        if 0 < advanced <= budget and elapsed <= MAX_GAP_SECONDS:
            ranges.append([progress.position, position])
        claimed = _clip(played_ranges, duration)
        if claimed and elapsed <= MAX_GAP_SECONDS:
            # What this report adds in all (the advance and the claimed ranges) fits the budget.
            if covered_seconds(ranges + claimed) - before <= budget:
                ranges.extend(claimed)
    ranges = merge_ranges(ranges)
    progress.watched_ranges = ranges
    progress.position = position
    for start, end in ranges:  # continuous watching from the start reaches `end`
        if start <= 0.5:
            progress.furthest = max(progress.furthest, end)
    progress.watched_percent = min(100.0, round(covered_seconds(ranges) * 100 / duration, 2))
    progress.last_report_at = now
    progress.save()

    try:
        with transaction.atomic():
            LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    except IntegrityError:
        pass
    LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
        video_position=progress.position,
        video_duration=progress.duration,
        video_furthest=progress.furthest,
        video_watched_ranges=progress.watched_ranges,
        watched_percent=progress.watched_percent,
        last_accessed_at=now,
    )
    threshold = block.value.get("completion_threshold") or 90
    if progress.watched_percent >= threshold and progress.completed_at is None:
        activity_complete(context=context, block_id=block_id, score_percent=None)
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    return progress


def document_is_private(*, document) -> bool:
    """Whether a Wagtail document is used by a lesson of a course that is not free (found
    through Wagtail's reference index, which tracks chooser blocks in lesson bodies)."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    from coursepages.models import CoursePage

    lesson_type = ContentType.objects.get_for_model(LessonPage)
    lesson_ids = [
        int(ref.object_id)
        for ref in ReferenceIndex.get_references_to(document)
        if ref.content_type_id == lesson_type.pk
    ]
    paths = list(LessonPage.objects.filter(pk__in=lesson_ids).values_list("path", flat=True))
    if not paths:
        return False
    paid = CoursePage.objects.exclude(pricing=CoursePage.Pricing.FREE).values_list("path", flat=True)
    return any(path.startswith(course_path) for path in paths for course_path in paid)
