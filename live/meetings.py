"""Meeting providers: Jitsi Meet (room + optional HS256 JWT) and BigBlueButton (checksum-signed
API). Each provider answers two questions: create the meeting (on approval) and give one
person a join URL (when they go through /live/<id>/join/)."""

import hashlib
import secrets
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings

from core.errors import UpstreamError

BBB_DIGEST_LENGTHS = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}


class MeetingError(UpstreamError):
    """The meeting server refused or could not be reached; nothing was changed. `code` is
    "meeting_unavailable", or BigBlueButton's own key when it refused."""

    default_code = "meeting_unavailable"


def unguessable_room_name() -> str:
    """A room name nobody can guess (128 random bits), safe in a URL path."""
    return f"lectern-{secrets.token_hex(16)}"


# --- Jitsi -------------------------------------------------------------------------------


def jitsi_token(
    *,
    app_id: str,
    app_secret: str,
    room: str,
    subject: str,
    user_context: dict,
    group: str = "",
    audience: str = "jitsi",
    not_before: int,
    expires: int,
) -> str:
    """An HS256 token for the Prosody token plugin (lib-jitsi-meet doc/tokens.md). Every
    value in context.user must be a string, or Prosody raises."""
    payload = {
        "aud": audience,
        "iss": app_id,
        "sub": subject,
        "room": room,
        "nbf": not_before,
        "exp": expires,
        "context": {"user": {key: str(value) for key, value in user_context.items()}},
    }
    if group:
        payload["context"]["group"] = group
    return jwt.encode(payload, app_secret, algorithm="HS256")


def jitsi_join_url(*, session, user) -> str:
    base = settings.JITSI_URL.rstrip("/")
    url = f"{base}/{session.room_name}"
    if settings.JITSI_APP_ID and settings.JITSI_APP_SECRET:
        token = jitsi_token(
            app_id=settings.JITSI_APP_ID,
            app_secret=settings.JITSI_APP_SECRET,
            audience=settings.JITSI_AUDIENCE,
            subject=(urlsplit(base).hostname or "").lower(),
            room=session.room_name,
            user_context={
                "id": user.pk,
                "name": user.display_name,
                "email": user.email,
                "avatar": "",
                "moderator": "true" if user.pk == session.teacher_id else "false",
            },
            group=f"course-{session.course_id}",
            not_before=int((session.starts_at - timedelta(hours=1)).timestamp()),
            expires=int((session.ends_at + timedelta(hours=1)).timestamp()),
        )
        url = f"{url}?{urlencode({'jwt': token})}"
    return url


# --- BigBlueButton -----------------------------------------------------------------------


def bbb_checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    """checksum = hex(HASH(callName + queryString + sharedSecret)) over the exact query sent."""
    if algorithm not in BBB_DIGEST_LENGTHS:
        raise ValueError(f"unsupported BigBlueButton checksum algorithm: {algorithm}")
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def bbb_signed_url(
    call: str,
    params: list[tuple[str, str]],
    *,
    base_url: str | None = None,
    secret: str | None = None,
    algorithm: str | None = None,
) -> str:
    """<BBB_URL>api/<call>?<query>&checksum=…; the query is built once, then signed and sent."""
    base_url = (base_url or settings.BBB_URL).rstrip("/")
    secret = secret if secret is not None else settings.BBB_SECRET
    algorithm = algorithm or settings.BBB_CHECKSUM_ALGORITHM
    query = urlencode(params)
    return f"{base_url}/api/{call}?{query}&checksum={bbb_checksum(call, query, secret, algorithm)}"


def _bbb_call(call: str, params: list[tuple[str, str]]) -> ET.Element:
    try:
        response = requests.get(bbb_signed_url(call, params), timeout=settings.BBB_TIMEOUT_SECONDS)
        response.raise_for_status()
        root = ET.fromstring(response.content)
    except (requests.RequestException, ET.ParseError) as exc:
        raise MeetingError(f"The BigBlueButton server could not be reached ({exc.__class__.__name__}).") from exc
    if root.findtext("returncode") != "SUCCESS":
        key = root.findtext("messageKey") or "failed"
        raise MeetingError(f"BigBlueButton refused the {call} call: {root.findtext('message') or key}.", code=key)
    return root


def bbb_create(*, session) -> dict:
    """Create (or re-create: BBB answers duplicateWarning) the meeting; returns its createTime."""
    params = [
        ("name", f"{session.course.title} — live class"[:200]),
        ("meetingID", session.room_name),
        ("record", "false"),
        ("duration", str(session.minutes + 30)),
        ("welcome", f"Live class: {session.topic or session.course.title}"),
    ]
    root = _bbb_call("create", params)
    return {"create_time": root.findtext("createTime") or "", "internal_id": root.findtext("internalMeetingID") or ""}


def bbb_join_url(*, session, user) -> str:
    params = [
        ("fullName", user.display_name),
        ("meetingID", session.room_name),
        ("role", "MODERATOR" if user.pk == session.teacher_id else "VIEWER"),
        ("userID", str(user.pk)),
    ]
    if session.bbb_create_time:
        params.append(("createTime", session.bbb_create_time))
    params.append(("redirect", "true"))
    return bbb_signed_url("join", params)


# --- one entry point for the services ------------------------------------------------------


def meeting_create(*, session) -> dict:
    """Fields to store on the session once its meeting exists."""
    provider = settings.LIVE_PROVIDER
    room = unguessable_room_name()
    if provider == "bbb":
        session.room_name = room
        created = bbb_create(session=session)
        return {"provider": "bbb", "room_name": room, "bbb_create_time": created["create_time"]}
    return {"provider": "jitsi", "room_name": room, "bbb_create_time": ""}


def meeting_join_url(*, session, user) -> str:
    if session.provider == "bbb":
        return bbb_join_url(session=session, user=user)
    return jitsi_join_url(session=session, user=user)
