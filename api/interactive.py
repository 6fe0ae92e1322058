"""Interactive content: xAPI from the H5P player and its saved state, the AI-tool
protocol (validate a launch token, report completion), and video watching."""

import json
from datetime import datetime
from typing import Any

from ninja import Router, Schema, Status
from pydantic import Field

from learners.access import learning_context_for
from learners.enrollment.selectors import lesson_is_completed
from learners.interactive.ai_tools import ai_tool_complete, ai_tool_validate
from learners.interactive.media import lesson_for, video_progress_report
from learners.interactive.xapi import h5p_state_for, h5p_state_save, xapi_statement_record

from .auth import user_auth
from .errors import ApiError, refusals
from .ratelimit import client_ip, rate_limit
from .schemas import PageId

router = Router(tags=["interactive"])


class H5PResultOut(Schema):
    score_raw: float | None
    score_max: float | None
    score_scaled: float | None
    success: bool | None
    completion: bool


class XAPIOut(Schema):
    stored: bool
    result: H5PResultOut | None
    activity_completed: bool
    lesson_completed: bool


XAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "One xAPI statement, as the H5P player emits it."}
            }
        },
    }
}


@router.post(
    "/h5p/{block_id}/xapi/",
    auth=user_auth,
    response={201: XAPIOut, 200: XAPIOut, **refusals(402, 403, 409)},
    openapi_extra=XAPI_BODY,
)
def h5p_xapi(request, block_id: str):
    """Store one xAPI statement from the H5P player of block `block_id`; answered,
    completed, passed and failed statements update the result and lesson progress."""
    rate_limit(scope="xapi", key=str(request.user.pk))
    try:
        statement = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "The body must be one xAPI statement in JSON.", "invalid") from exc
    outcome = xapi_statement_record(user=request.user, block_id=block_id, statement=statement)
    return Status(201 if outcome["stored"] else 200, outcome)


class StateIn(Schema):
    lesson_id: PageId
    state: str = Field(description="The player's state as a JSON string; empty clears it.")


class StateOut(Schema):
    state: str
    saved_at: datetime | None = None


@router.get("/h5p/{block_id}/state/", auth=user_auth, response={200: StateOut, **refusals(402, 403)})
def h5p_state_get(request, block_id: str, lesson_id: PageId):
    """The saved player state of block `block_id` in lesson `lesson_id`."""
    lesson = lesson_for(lesson_id=lesson_id)
    return {"state": h5p_state_for(user=request.user, lesson=lesson, block_id=block_id)}


@router.put("/h5p/{block_id}/state/", auth=user_auth, response={200: StateOut, **refusals(402, 403)})
def h5p_state_put(request, block_id: str, payload: StateIn):
    """Save the player state so the student resumes where they left off."""
    lesson = lesson_for(lesson_id=payload.lesson_id)
    row = h5p_state_save(user=request.user, lesson=lesson, block_id=block_id, state=payload.state)
    return {"state": row.state, "saved_at": row.state_saved_at}


class TokenIn(Schema):
    token: str


class ToolOut(Schema):
    block_id: str
    title: str
    parameters: dict[str, str]
    completion_rule: str
    min_score: int | None


class LessonRefOut(Schema):
    id: int
    title: str


class ValidateOut(Schema):
    session_token: str
    session_expires_at: datetime
    user: dict[str, Any]
    lesson: LessonRefOut
    tool: ToolOut
    permissions: list[str]


@router.post("/ai-tools/validate-token/", auth=None, response={200: ValidateOut, **refusals(401, 403, 404, 429)})
def ai_tools_validate(request, payload: TokenIn):
    """The tool checks a launch token (single use) and receives a session token for
    reporting completion. The user is named by id, and by name only with read_profile."""
    rate_limit(scope="ai_tool_ip", key=client_ip(request))
    return ai_tool_validate(token=payload.token)


class CompleteIn(Schema):
    token: str = Field(description="The session token returned by validate-token.")
    score: float | None = Field(
        None,
        description="Refused (400): this endpoint records completion by the tool's word; scores come "
        "only from LTI tools by AGS.",
    )
    time_spent: int | None = Field(None, description="Seconds the student spent in the tool.")
    data: dict[str, Any] | None = None


class CompleteOut(Schema):
    session_id: str
    score: float | None
    time_spent: int | None
    activity_completed: bool
    completed_at: datetime


@router.post("/ai-tools/complete/", auth=None, response={200: CompleteOut, **refusals(401, 403, 404, 409, 429)})
def ai_tools_complete(request, payload: CompleteIn):
    """Completion by the tool's word, for tools without LTI: the tool reports that the
    student finished, once per session, with no score (the session token has passed through
    the student's browser)."""
    rate_limit(scope="ai_tool_ip", key=client_ip(request))
    session = ai_tool_complete(
        token=payload.token, score=payload.score, time_spent=payload.time_spent, data=payload.data
    )
    return {
        "session_id": str(session.id),
        "score": session.score,
        "time_spent": session.time_spent_seconds,
        "activity_completed": session.activity_completed,
        "completed_at": session.completed_at,
    }


class VideoIn(Schema):
    block_id: str
    position: float = Field(..., ge=0)
    duration: float | None = None  # the player's figure: accepted and ignored (the server knows the length)
    played_ranges: list[list[float]] | None = None


class VideoOut(Schema):
    block_id: str
    position: float
    duration: float
    furthest: float
    watched_percent: float
    watched_ranges: list[list[float]]
    completed: bool
    lesson_completed: bool = False


@router.post("/lessons/{lesson_id}/video/", auth=user_auth, response={200: VideoOut, **refusals(402, 403)})
def lesson_video(request, lesson_id: PageId, payload: VideoIn):
    """Report the player's position (every few seconds while playing, and on pause, seek
    and end); the server works out how much was really watched."""
    context = learning_context_for(user=request.user, lesson=lesson_for(lesson_id=lesson_id))
    progress = video_progress_report(
        context=context,
        block_id=payload.block_id,
        position=payload.position,
        played_ranges=payload.played_ranges,
    )
    return {
        "block_id": progress.block_id,
        "position": progress.position,
        "duration": progress.duration,
        "furthest": progress.furthest,
        "watched_percent": progress.watched_percent,
        "watched_ranges": progress.watched_ranges,
        "completed": progress.completed_at is not None,
        "lesson_completed": progress.completed_at is not None and lesson_is_completed(context=context),
    }
