"""xAPI statements from the H5P player: check, store raw, and turn the ones that carry a
result into the activity's H5PResult and, through it, lesson progress.

An H5P activity is identified in statements by its activity IRI, which the page gives the
player (`xAPIObjectIRI`): `{SITE_URL}/h5p/{lesson id}/{block id}`. Sub-questions use the
same IRI with `?subContentId=…` and name the activity as their parent; they are stored but
never complete the activity.
"""

import json
import math
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from coursepages.models import LessonPage
from learners.enrollment.services import LearningError, activity_complete
from learners.interactive.grading import h5p_gradable, h5p_grade
from learners.interactive.media import interactive_block, learner_context, lesson_for
from learners.models import H5PAttempt, H5PResult, LessonProgress, XAPIStatement

VERBS = "http://adlnet.gov/expapi/verbs/"
RESULT_VERBS = {VERBS + name for name in ("answered", "completed", "passed", "failed")}
SUB_CONTENT_EXTENSION = "http://h5p.org/x-api/h5p-subContentId"
MAX_STATEMENT_BYTES = 64 * 1024
MAX_STATE_BYTES = 256 * 1024


def activity_iri(*, lesson_id: int, block_id: str) -> str:
    return f"{settings.SITE_URL}/h5p/{lesson_id}/{block_id}"


def lesson_from_iri(activity_id: str, block_id: str) -> LessonPage:
    """The lesson named by an activity IRI for `block_id`; refuses any other activity."""
    prefix = f"{settings.SITE_URL}/h5p/"
    base = activity_id.split("?", 1)[0]
    lesson_id, _, tail = base[len(prefix) :].partition("/") if base.startswith(prefix) else ("", "", "")
    if tail != block_id or not lesson_id.isdigit():
        raise LearningError("The statement is about another activity, not this H5P block.", "activity_mismatch")
    return lesson_for(lesson_id=lesson_id)


def _number(value, label: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LearningError(f"result.score.{label} must be a number.", "invalid")
    return float(value)


def _score(result: dict) -> dict | None:
    score = result.get("score")
    if score is None:
        return None
    if not isinstance(score, dict):
        raise LearningError("result.score must be an object.", "invalid")
    raw, low, high, scaled = (_number(score.get(key), key) for key in ("raw", "min", "max", "scaled"))
    low = 0.0 if low is None else low
    if high is not None and high < low:
        raise LearningError("result.score.max is below its min.", "score_out_of_bounds")
    if raw is not None and (raw < low or (high is not None and raw > high)):
        raise LearningError("result.score.raw is outside min..max.", "score_out_of_bounds")
    if scaled is not None and not -1 <= scaled <= 1:
        raise LearningError("result.score.scaled must be between -1 and 1.", "score_out_of_bounds")
    if scaled is None and raw is not None and high:
        scaled = (raw - low) / (high - low) if high > low else 0.0
    return {"raw": raw, "min": low, "max": high, "scaled": scaled}


def _is_child(statement: dict, activity_id: str) -> bool:
    context = statement.get("context") or {}
    parents = (context.get("contextActivities") or {}).get("parent") if isinstance(context, dict) else None
    extensions = ((statement.get("object") or {}).get("definition") or {}).get("extensions") or {}
    return (
        bool(parents)
        or "?subContentId=" in activity_id
        or (isinstance(extensions, dict) and SUB_CONTENT_EXTENSION in extensions)
    )


def statement_parse(statement) -> tuple[str, str, dict]:
    """(verb id, activity id, result) of a statement that has the parts we need."""
    if not isinstance(statement, dict):
        raise LearningError("An xAPI statement is a JSON object.", "invalid")
    if len(json.dumps(statement)) > MAX_STATEMENT_BYTES:
        raise LearningError("The statement is too large.", "invalid")
    verb = (statement.get("verb") or {}).get("id") if isinstance(statement.get("verb"), dict) else None
    activity = (statement.get("object") or {}).get("id") if isinstance(statement.get("object"), dict) else None
    if not isinstance(verb, str) or not verb or not isinstance(activity, str) or not activity:
        raise LearningError("The statement needs verb.id and object.id.", "invalid")
    result = statement.get("result") or {}
    if not isinstance(result, dict):
        raise LearningError("result must be an object.", "invalid")
    return verb, activity, result


def xapi_statement_record(*, user, block_id: str, statement: dict) -> dict:
    """Store one statement for the H5P block `block_id` and apply its result.

    Returns {"stored", "result": H5PResult | None, "activity_completed", "lesson_completed"}."""
    verb, activity, result = statement_parse(statement)
    lesson = lesson_from_iri(activity, block_id)
    block = interactive_block(lesson=lesson, block_id=block_id, block_type="h5p")
    context = learner_context(user=user, lesson=lesson)
    enrollment = context.enrollment
    score = _score(result)
    is_child = _is_child(statement, activity)
    statement_id = statement.get("id")
    try:
        statement_id = uuid.UUID(str(statement_id)) if statement_id else None
    except ValueError as exc:
        raise LearningError("The statement id must be a UUID.", "invalid") from exc

    attempt = _attempt_of(statement, user=user, lesson=lesson, block_id=block_id)
    if not is_child and verb in RESULT_VERBS and not h5p_retry_allowed(block):
        # One attempt: once a result is recorded, neither a new attempt nor the same attempt
        # answering again (H5P's own "Retry" button) changes it.
        if attempt.scored_at is not None or h5p_result_finished(
            H5PResult.objects.filter(user=user, lesson=lesson, block_id=block_id).first()
        ):
            raise LearningError(ONE_ATTEMPT, "retry_not_allowed")

    with transaction.atomic():
        try:
            with transaction.atomic():
                XAPIStatement.objects.create(
                    user=user,
                    lesson=lesson,
                    block_id=block_id,
                    statement_id=statement_id,
                    verb=verb[:255],
                    activity_id=activity[:1000],
                    is_child=is_child,
                    statement=statement,
                )
        except IntegrityError:  # the same statement id again: already applied
            return {
                "stored": False,
                "result": H5PResult.objects.filter(user=user, lesson=lesson, block_id=block_id).first(),
                "activity_completed": False,
                "lesson_completed": False,
            }
        if is_child or verb not in RESULT_VERBS:
            return {"stored": True, "result": None, "activity_completed": False, "lesson_completed": False}

        package = block.value.get("package")
        children = (
            list(
                XAPIStatement.objects.filter(
                    user=user,
                    lesson=lesson,
                    block_id=block_id,
                    is_child=True,
                    statement__context__registration=str(attempt.pk),
                )
                .order_by("received_at", "pk")
                .values_list("statement", flat=True)
            )
            if h5p_gradable(package)
            else []
        )
        graded = h5p_grade(package=package, result=result, children=children)
        if graded is not None:  # the server's score, never the claimed one
            score = {key: graded[key] for key in ("raw", "min", "max", "scaled")}
            result = {**result, "success": graded["success"]}
        else:  # completion only: a claimed score or success is not a grade
            score = None
            result = {key: value for key, value in result.items() if key not in ("score", "success")}
        if verb.endswith(("/passed", "/failed")):
            verb = VERBS + "answered"
        # Each attempt counts once, however many result statements it sends.
        first_of_attempt = H5PAttempt.objects.filter(pk=attempt.pk, scored_at__isnull=True).update(
            scored_at=timezone.now()
        )
        h5p_result = _result_apply(
            user=user,
            lesson=lesson,
            block=block,
            verb=verb,
            result=result,
            score=score,
            new_attempt=bool(first_of_attempt),
        )

    rule = block.value.get("completion") or "completed"
    done = h5p_result.success is True if rule == "passed" else h5p_result.completion
    if not h5p_gradable(block.value.get("package")) and not block.value.get("ungraded_completes", True):
        done = False  # the instructor does not let a completion-only type complete the lesson
    activity_completed = False
    if done:
        activity_complete(context=context, block_id=block_id, score_percent=h5p_result.score_percent)
        activity_completed = True
        if h5p_result.completed_at is None:
            H5PResult.objects.filter(pk=h5p_result.pk).update(completed_at=timezone.now())
    lesson_completed = LessonProgress.objects.filter(
        enrollment=enrollment, lesson=lesson, status=LessonProgress.Status.COMPLETED
    ).exists()
    return {
        "stored": True,
        "result": h5p_result,
        "activity_completed": activity_completed,
        "lesson_completed": lesson_completed,
    }


def _attempt_of(statement: dict, *, user, lesson, block_id: str) -> H5PAttempt:
    """The server-opened attempt the statement names in `context.registration`."""
    context = statement.get("context")
    registration = context.get("registration") if isinstance(context, dict) else None
    try:
        attempt_id = uuid.UUID(str(registration)) if registration else None
    except ValueError:
        attempt_id = None
    attempt = (
        H5PAttempt.objects.filter(pk=attempt_id, user=user, lesson=lesson, block_id=block_id).first()
        if attempt_id
        else None
    )
    if attempt is None:
        raise LearningError(
            "This statement names no attempt the server opened for you on this activity (reload the lesson).",
            "attempt_unknown",
        )
    return attempt


ONE_ATTEMPT = "You have finished this activity, and it allows one attempt: your recorded result stands."


def h5p_retry_allowed(block) -> bool:
    """Whether the block lets a student try again after finishing (blocks saved before the
    switch existed do)."""
    return block.value.get("allow_retry", True) is not False


def h5p_result_finished(row: H5PResult | None) -> bool:
    return row is not None and (row.attempts > 0 or row.completion)


def h5p_finished(*, user, lesson, block_id: str) -> bool:
    """Whether the student has a result recorded on this block (an answer or a completion)."""
    return h5p_result_finished(H5PResult.objects.filter(user=user, lesson=lesson, block_id=block_id).first())


def h5p_attempt_open(*, context, block) -> H5PAttempt:
    """Open a new attempt for the enrolled student of `context` on an H5P block (the
    player page does, each time it is served); refused once the student has finished a
    block that allows one attempt."""
    context.learner()
    if not h5p_retry_allowed(block) and h5p_finished(user=context.user, lesson=context.lesson, block_id=block.id):
        raise LearningError(ONE_ATTEMPT, "retry_not_allowed")
    return H5PAttempt.objects.create(user=context.user, lesson=context.lesson, block_id=block.id)


def _result_apply(
    *, user, lesson, block, verb: str, result: dict, score: dict | None, new_attempt: bool = True
) -> H5PResult:
    try:
        with transaction.atomic():
            H5PResult.objects.get_or_create(user=user, lesson=lesson, block_id=block.id)
    except IntegrityError:
        pass
    row = H5PResult.objects.select_for_update().get(user=user, lesson=lesson, block_id=block.id)
    package = block.value.get("package")
    row.package_id = getattr(package, "pk", None)
    if score:
        row.score_raw, row.score_min, row.score_max, row.score_scaled = (
            score["raw"],
            score["min"],
            score["max"],
            score["scaled"],
        )
        if score["scaled"] is not None:
            row.best_score_scaled = max(row.best_score_scaled or score["scaled"], score["scaled"])
    success = result.get("success")
    if verb.endswith("/passed"):
        success = True
    elif verb.endswith("/failed"):
        success = False
    if isinstance(success, bool):
        # Once passed, a later failed retry does not take the pass away.
        row.success = True if row.success else success
    completion = result.get("completion")
    row.completion = (
        row.completion
        or completion is True
        or (completion is None and verb.rsplit("/", 1)[-1] in ("answered", "completed", "passed", "failed"))
    )
    if new_attempt:
        row.attempts += 1
    row.save()
    return row


def h5p_state_save(*, user, lesson: LessonPage, block_id: str, state: str) -> H5PResult:
    """Save the player's state (a JSON string) so the student resumes where they left off."""
    interactive_block(lesson=lesson, block_id=block_id, block_type="h5p")
    learner_context(user=user, lesson=lesson)
    if not isinstance(state, str) or len(state.encode()) > MAX_STATE_BYTES:
        raise LearningError("The state must be a JSON string of at most 256 KB.", "invalid")
    if state:
        try:
            json.loads(state)
        except json.JSONDecodeError as exc:
            raise LearningError("The state must be valid JSON.", "invalid") from exc
    try:
        with transaction.atomic():
            row, _ = H5PResult.objects.get_or_create(user=user, lesson=lesson, block_id=block_id)
    except IntegrityError:
        row = H5PResult.objects.get(user=user, lesson=lesson, block_id=block_id)
    now = timezone.now()
    H5PResult.objects.filter(pk=row.pk).update(state=state, state_saved_at=now)
    row.state, row.state_saved_at = state, now
    return row


def h5p_state_for(*, user, lesson: LessonPage, block_id: str) -> str:
    if not user.is_authenticated:
        return ""
    return (
        H5PResult.objects.filter(user=user, lesson=lesson, block_id=block_id).values_list("state", flat=True).first()
        or ""
    )
