"""The per-block state a lesson page shows (quiz attempts, assignment submissions, H5P and
video players, AI-tool launch), computed in the page context from the learning context,
keyed by Wagtail's block id (which Wagtail hands each block template as `id`).

Reading only: at most one query per activity type present in the lesson, whatever the
number of blocks, attempts or submissions. Block templates format what is here; they never
query or write. An overdue quiz attempt is closed by `lesson_quiz_attempts_expire` (the
service path, before the page renders) and by the beat sweep, never by a template."""

from django.urls import reverse

from blocks.ai_tool import origin_of
from blocks.video import server_duration, vimeo_id, youtube_id
from core.site_url import site_root_url
from learners.access import LearningContext
from learners.activity_blocks import Activity
from learners.assessments.assignments import AssignmentState, assignment_settings
from learners.assessments.quiz import QuizState, overdue, quiz_attempt_expire, quiz_settings
from learners.interactive.h5p import h5p_player_token
from learners.interactive.h5p_libraries import h5p_package_playable, h5p_package_untrusted_message
from learners.interactive.xapi import activity_iri, h5p_result_finished, h5p_retry_allowed
from learners.models import AssignmentSubmission, BlockCompletion, H5PResult, QuizAttempt, VideoProgress


def _children(lesson, block_type: str) -> list:
    return [child for child in lesson.body if child.block_type == block_type and child.id]


def _activity(context: LearningContext, child) -> Activity:
    return Activity(
        block_id=child.id, block_type=child.block_type, lesson=context.lesson, course=context.course, value=child.value
    )


def _grouped(rows, key: str = "block_id") -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def _quiz_states(context: LearningContext) -> dict[str, QuizState]:
    children = _children(context.lesson, "quiz")
    if not children:
        return {}
    enrollment = context.enrollment
    attempts = _grouped(QuizAttempt.objects.filter(enrollment=enrollment, lesson=context.lesson)) if enrollment else {}
    return {
        child.id: QuizState(
            activity=_activity(context, child),
            enrollment=enrollment,
            attempts=attempts.get(child.id, []),
            settings=quiz_settings(child.value),
        )
        for child in children
    }


def _assignment_states(context: LearningContext) -> dict[str, AssignmentState]:
    children = _children(context.lesson, "assignment")
    if not children:
        return {}
    enrollment = context.enrollment
    submissions = (
        _grouped(AssignmentSubmission.objects.filter(enrollment=enrollment, lesson=context.lesson))
        if enrollment
        else {}
    )
    return {
        child.id: AssignmentState(
            activity=_activity(context, child),
            enrollment=enrollment,
            submissions=submissions.get(child.id, []),
            settings=assignment_settings(child.value),
        )
        for child in children
    }


def _h5p_recorded(row) -> dict | None:
    if row is None or (row.score_max is None and not row.completion):
        return None
    return {
        "scoreRaw": row.score_raw,
        "scoreMax": row.score_max,
        "completed": row.completed_at is not None,
        "attempts": row.attempts,
    }


def _h5p_players(context: LearningContext) -> dict[str, dict]:
    children = [
        child
        for child in _children(context.lesson, "h5p")
        if child.value.get("package") and child.value["package"].content_path
    ]
    if not children:
        return {}
    lesson, can_record = context.lesson, context.may_record
    results = (
        {row.block_id: row for row in H5PResult.objects.filter(user=context.user, lesson=lesson)} if can_record else {}
    )
    saved = {block_id: row.state for block_id, row in results.items()}
    players = {}
    for child in children:
        if not h5p_package_playable(child.value["package"]):
            players[child.id] = {"pending": h5p_package_untrusted_message(child.value["package"])}
            continue
        token = h5p_player_token(user=context.user, lesson_id=lesson.pk, block_id=child.id)
        recorded = _h5p_recorded(results.get(child.id))
        finished = can_record and h5p_result_finished(results.get(child.id))
        players[child.id] = {
            "id": child.id,
            # Finished: the page shows the recorded result; the player loads only when the
            # student presses Retry, and only if the block allows another attempt.
            "finished": finished,
            "allowRetry": h5p_retry_allowed(child),
            "lessonId": lesson.pk,
            "playerUrl": reverse("learners:h5p-player", args=[token]),
            "xAPIObjectIRI": activity_iri(lesson_id=lesson.pk, block_id=child.id),
            "state": saved.get(child.id) or "",
            # What the server recorded, shown again when the lesson is reloaded.
            "recorded": recorded,
            "canRecord": can_record,
            "xapiUrl": f"/api/v1/h5p/{child.id}/xapi/",
            "stateUrl": f"/api/v1/h5p/{child.id}/state/",
            "title": child.value.get("title") or child.value["package"].title,
        }
    return players


def _video_players(context: LearningContext) -> dict[str, dict]:
    children = _children(context.lesson, "video")
    if not children:
        return {}
    lesson, can_record = context.lesson, context.may_record
    watched = (
        {row.block_id: row for row in VideoProgress.objects.filter(user=context.user, lesson=lesson)}
        if can_record
        else {}
    )
    players = {}
    for child in children:
        value, source = child.value, child.value.get("source")
        player = {
            "blockId": child.id,
            "source": source,
            "canRecord": can_record,
            "reportUrl": f"/api/v1/lessons/{lesson.pk}/video/",
            "threshold": value.get("completion_threshold") or 90,
            "durationKnown": bool(server_duration(value)),
            "position": 0,
            "watchedPercent": 0,
            "completed": False,
        }
        if source == "hls":
            player["hlsUrl"] = value.get("url") or ""
        if source == "youtube":
            player["embedId"] = youtube_id(value.get("url") or "")
        elif source == "vimeo":
            player["embedId"] = vimeo_id(value.get("url") or "")
        progress = watched.get(child.id)
        if progress:
            player.update(
                position=progress.position,
                watchedPercent=progress.watched_percent,
                completed=progress.completed_at is not None,
            )
        players[child.id] = player
    return players


def _ai_tools(context: LearningContext, site_origin: str) -> dict[str, dict]:
    lesson = context.lesson
    children = _children(lesson, "ai_tool")
    if not children:
        return {}
    # What the server recorded (shown again on reload): the block's completion and its score.
    recorded = (
        {
            row.block_id: row
            for row in BlockCompletion.objects.filter(
                enrollment=context.enrollment, lesson=lesson, block_type="ai_tool"
            )
        }
        if context.may_record and context.enrollment is not None
        else {}
    )
    tools = {}
    for child in children:
        done = recorded.get(child.id)
        allowed = (child.value.get("allowed_origin") or "").rstrip("/") or site_origin
        tools[child.id] = {
            "blockId": child.id,
            "canLaunch": context.may_record,
            # A registered LTI 1.3 tool launches by OIDC and reports by AGS; others by launch token.
            "lti": child.value.get("lti_tool") is not None,
            "launchUrl": reverse(
                "learners:lti-launch" if child.value.get("lti_tool") is not None else "learners:ai-tool-launch",
                args=[lesson.pk, child.id],
            ),
            "statusUrl": reverse("learners:ai-tool-status", args=[lesson.pk, child.id]),
            "allowedOrigin": allowed,
            "toolOrigin": origin_of(child.value.get("tool_url") or "") or site_origin,
            "completed": done is not None,
            "score": done.score_percent if done else None,
        }
    return tools


def lesson_block_states(*, context: LearningContext, request=None) -> dict[str, object]:
    """{block id: what that block's template shows this viewer} for the lesson's activity
    and player blocks (a QuizState, an AssignmentState, or a player's JSON config)."""
    site_origin = site_root_url(request)
    return {
        **_quiz_states(context),
        **_assignment_states(context),
        **_h5p_players(context),
        **_video_players(context),
        **_ai_tools(context, site_origin),
    }


def lesson_quiz_attempts_expire(*, states: dict[str, object]) -> bool:
    """Close (grade) the viewer's open quiz attempts whose time is up, through the quiz
    service; returns whether any was closed (the caller then reads the states again)."""
    closed = False
    for state in states.values():
        if isinstance(state, QuizState):
            for attempt in state.attempts:
                if attempt.is_open and overdue(attempt):
                    quiz_attempt_expire(attempt_id=attempt.pk)
                    closed = True
    return closed
