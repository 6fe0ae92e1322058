"""Embedded AI tools without LTI: launch, validate, complete — *completion by the tool's
word* (docs/interactive.md, "AI tools").

A tool that can do LTI 1.3 is registered as an LTI tool and graded by AGS, server to server
(learners/interactive/lti.py); the demo tutor (demotool/) is one. This older protocol is
kept only for tools that cannot do LTI, and grants no score: its tokens pass through the
student's browser, so what it reports is the tool's word that the student finished, nothing
more.

1. Launch: an enrolled student opens the lesson; the tool's iframe loads our launch view,
   which creates an AIToolSession and sends the browser to the tool with `?token=<JWT>`.
   The JWT (HS256, AI_TOOL_SIGNING_KEY) names the user, lesson, block and permissions, lives
   ten minutes, and its `jti` is the session id.
2. Validate: the tool posts the token to /api/v1/ai-tools/validate-token/. The token is
   consumed (single use: a conditional UPDATE, so two concurrent validations cannot both
   win) and the tool receives a session token: a random secret that only its hash is
   stored of, valid AI_TOOL_SESSION_HOURS.
3. Complete: the tool posts {token: <session token>, time_spent, data} to
   /api/v1/ai-tools/complete/. One completion per session; it completes a block whose rule
   is "when the tool reports completion". A score is refused (400), and a block whose rule
   is a minimum score, or that names an LTI tool, is refused (403): only AGS grades.
"""

import hashlib
import json
import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blocks.ai_tool import origin_of
from learners.access import learning_context_for
from learners.enrollment.services import LearningError, activity_complete
from learners.interactive.media import interactive_block, learner_context
from learners.models import AIToolSession, BlockCompletion, LessonProgress, LTIScore

AUDIENCE = "lectern:ai-tool"
MAX_DATA_BYTES = 32 * 1024


class ToolTokenError(LearningError):
    """A launch or session token was refused; the API answers 401 with this code."""

    default_code = "invalid_token"


def _key() -> str:
    return settings.AI_TOOL_SIGNING_KEY or hashlib.sha256(f"ai-tools:{settings.SECRET_KEY}".encode()).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tool_origin(*, block_value, site_origin: str) -> str:
    """The origin allowed to report completion by postMessage: the block's, else ours."""
    return (block_value.get("allowed_origin") or "").rstrip("/") or site_origin


def tool_launch_url(*, tool_url: str, token: str, site_origin: str) -> str:
    """The tool's address with the launch token and our origin (where to postMessage)."""
    base = tool_url if origin_of(tool_url) else site_origin + tool_url
    parts = urlsplit(base)
    query = "&".join(filter(None, [parts.query, urlencode({"token": token, "origin": site_origin})]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@transaction.atomic
def ai_tool_launch(*, user, lesson, block_id: str) -> tuple[AIToolSession, str]:
    """Start a session of the tool for an enrolled student: (session, launch JWT)."""
    block = interactive_block(lesson=lesson, block_id=block_id, block_type="ai_tool")
    learner_context(user=user, lesson=lesson)
    if block.value.get("lti_tool") is not None:
        raise LearningError("This tool launches by LTI 1.3 (/lti/launch/), not by a launch token.", "forbidden")
    now = timezone.now()
    session = AIToolSession.objects.create(
        id=uuid.uuid4(),
        user=user,
        lesson=lesson,
        block_id=block_id,
        tool_url=block.value["tool_url"],
        permissions=list(block.value.get("permissions") or []),
        launch_expires_at=now + timedelta(seconds=settings.AI_TOOL_LAUNCH_SECONDS),
    )
    claims = {
        "iss": settings.SITE_URL,
        "aud": AUDIENCE,
        "jti": str(session.id),
        "sub": str(user.pk),
        "iat": int(now.timestamp()),
        "exp": int(session.launch_expires_at.timestamp()),
        "lesson": lesson.pk,
        "block": block_id,
        "permissions": session.permissions,
    }
    return session, jwt.encode(claims, _key(), algorithm="HS256")


def _decode(token: str) -> dict:
    try:
        return jwt.decode(
            token,
            _key(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=settings.SITE_URL,
            options={"require": ["exp", "jti", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ToolTokenError(
            "The launch token has expired; reload the lesson to launch again.", "token_expired"
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise ToolTokenError("The launch token is not valid.", "invalid_token") from exc


def ai_tool_validate(*, token: str) -> dict:
    """Check and consume a launch token; returns what the tool may know, and its session token."""
    claims = _decode(token or "")
    try:
        session_id = uuid.UUID(claims["jti"])
    except ValueError as exc:
        raise ToolTokenError("The launch token is not valid.", "invalid_token") from exc
    now = timezone.now()
    session_token = secrets.token_urlsafe(32)
    consumed = AIToolSession.objects.filter(
        pk=session_id,
        status=AIToolSession.Status.LAUNCHED,
        validated_at__isnull=True,
        launch_expires_at__gt=now,
        user_id=claims["sub"],
    ).update(
        status=AIToolSession.Status.ACTIVE,
        validated_at=now,
        session_token_hash=_hash(session_token),
        session_expires_at=now + timedelta(hours=settings.AI_TOOL_SESSION_HOURS),
    )
    if not consumed:
        if AIToolSession.objects.filter(pk=session_id, validated_at__isnull=False).exists():
            raise ToolTokenError("This launch token was already used.", "token_used")
        raise ToolTokenError("The launch token is not valid.", "invalid_token")
    session = AIToolSession.objects.select_related("user", "lesson").get(pk=session_id)
    block = interactive_block(lesson=session.lesson, block_id=session.block_id, block_type="ai_tool")
    user = {"id": session.user_id}
    if "read_profile" in session.permissions:
        user.update(first_name=session.user.first_name, name=session.user.get_full_name() or "")
    return {
        "session_token": session_token,
        "session_expires_at": session.session_expires_at,
        "user": user,
        "lesson": {"id": session.lesson_id, "title": session.lesson.title},
        "tool": {
            "block_id": session.block_id,
            "title": block.value.get("title") or "",
            "parameters": {p["name"]: p.get("value") or "" for p in block.value.get("parameters") or []},
            "completion_rule": block.value.get("completion_rule") or "complete",
            "min_score": block.value.get("min_score"),
        },
        "permissions": session.permissions,
    }


def ai_tool_complete(*, token: str, score: float | None, time_spent: int | None, data: dict | None) -> AIToolSession:
    """Record a tool's word that the student finished, authorised by the session token issued
    at validation. Never a score: the token has passed through the student's browser."""
    if score is not None:
        raise LearningError(
            "This endpoint records completion by the tool's word and takes no score; a tool that "
            "grades reports its score by LTI Assignment and Grade Services.",
            "invalid",
        )
    if time_spent is not None and not 0 <= time_spent <= 7 * 24 * 3600:
        raise LearningError("time_spent is a number of seconds (at most a week).", "invalid")
    if data is not None and len(json.dumps(data)) > MAX_DATA_BYTES:
        raise LearningError("data is larger than 32 KB.", "invalid")
    with transaction.atomic():
        session = (
            AIToolSession.objects.select_for_update()
            .select_related("lesson", "user")
            .filter(session_token_hash=_hash(token or ""))
            .first()
        )
        if session is None:
            raise ToolTokenError("The session token is not valid.", "invalid_token")
        if session.session_expires_at and session.session_expires_at <= timezone.now():
            raise ToolTokenError("The session has expired; launch the tool again.", "token_expired")
        if session.status == AIToolSession.Status.COMPLETED:
            raise LearningError("This session already reported its completion.", "already_submitted")
        block = interactive_block(lesson=session.lesson, block_id=session.block_id, block_type="ai_tool")
        if block.value.get("lti_tool") is not None:
            # The block names an LTI tool: only its AGS score (server to server) completes it;
            # a session token the browser may hold grants nothing.
            raise LearningError("This tool reports its result by LTI Assignment and Grade Services.", "forbidden")
        if (block.value.get("completion_rule") or "complete") != "complete":
            raise LearningError("This activity needs a score, which only an LTI tool can give (by AGS).", "forbidden")
        session.status = AIToolSession.Status.COMPLETED
        session.completed_at = timezone.now()
        session.score, session.time_spent_seconds, session.data = None, time_spent, data or {}
        session.activity_completed = True
        session.save()
    context = learning_context_for(user=session.user, lesson=session.lesson)
    activity_complete(context=context, block_id=session.block_id, score_percent=None)
    return session


def ai_tool_status(*, user, lesson, block_id: str) -> dict:
    """What the lesson page shows after the tool says it finished: the server's record (the
    block's completion, and the latest result an LTI tool posted by AGS or a tool without
    LTI reported)."""
    interactive_block(lesson=lesson, block_id=block_id, block_type="ai_tool")
    learner_context(user=user, lesson=lesson)
    session = (
        AIToolSession.objects.filter(user=user, lesson=lesson, block_id=block_id, status=AIToolSession.Status.COMPLETED)
        .order_by("-completed_at")
        .first()
    )
    score = LTIScore.objects.filter(user=user, lesson=lesson, block_id=block_id).order_by("-received_at", "-pk").first()
    latest = None
    if session is not None:
        latest = (session.completed_at, session.score, session.activity_completed)
    if score is not None and (latest is None or score.received_at >= latest[0]):
        percent = (
            None
            if score.score_given is None or not score.score_maximum
            else round(min(100.0, score.score_given * 100.0 / score.score_maximum), 2)
        )
        latest = (score.received_at, percent, score.activity_completed)
    done = BlockCompletion.objects.filter(
        enrollment__user=user, lesson=lesson, block_id=block_id, block_type="ai_tool"
    ).first()
    lesson_done = LessonProgress.objects.filter(
        enrollment__user=user, lesson=lesson, status=LessonProgress.Status.COMPLETED
    ).exists()
    return {
        "completed": done is not None,
        "score": done.score_percent if done else None,
        "last_score": latest[1] if latest else None,
        "last_completed_at": latest[0].isoformat() if latest else None,
        "met_rule": bool(latest and latest[2]),
        "lesson_completed": lesson_done,
    }
