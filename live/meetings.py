"""Meeting providers: Jitsi Meet (room + optional HS256 JWT), BigBlueButton (checksum-signed
API) and Zoom (Server-to-Server OAuth, REST API v2). Each provider answers: create the
meeting (on approval), give one person a join URL (when they go through /live/<id>/join/),
and, where the provider keeps meetings (Zoom), delete it when the class is cancelled.

Credentials come from the admin's *Live classes* settings where filled in, else from the
environment (`provider_config`)."""

import hashlib
import hmac
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import quote, urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from core.errors import UpstreamError

from .models import LiveSettings

BBB_DIGEST_LENGTHS = {"sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}


class MeetingError(UpstreamError):
    """The meeting server refused or could not be reached; nothing was changed. `code` is
    "meeting_unavailable", or BigBlueButton's own key when it refused."""

    default_code = "meeting_unavailable"


@dataclass(frozen=True)
class ProviderConfig:
    provider: str
    jitsi_app_id: str
    jitsi_app_secret: str
    bbb_url: str
    bbb_secret: str
    zoom_account_id: str
    zoom_client_id: str
    zoom_client_secret: str
    zoom_webhook_secret_token: str
    zoom_host_user: str


def provider_config() -> ProviderConfig:
    """The meeting provider and its credentials: the admin's settings, else the environment."""
    stored = LiveSettings.load()

    def pick(field: str, setting: str) -> str:
        return getattr(stored, field) or getattr(settings, setting)

    return ProviderConfig(
        provider=pick("provider", "LIVE_PROVIDER"),
        jitsi_app_id=pick("jitsi_app_id", "JITSI_APP_ID"),
        jitsi_app_secret=pick("jitsi_app_secret", "JITSI_APP_SECRET"),
        bbb_url=pick("bbb_url", "BBB_URL"),
        bbb_secret=pick("bbb_secret", "BBB_SECRET"),
        zoom_account_id=pick("zoom_account_id", "ZOOM_ACCOUNT_ID"),
        zoom_client_id=pick("zoom_client_id", "ZOOM_CLIENT_ID"),
        zoom_client_secret=pick("zoom_client_secret", "ZOOM_CLIENT_SECRET"),
        zoom_webhook_secret_token=pick("zoom_webhook_secret_token", "ZOOM_WEBHOOK_SECRET_TOKEN"),
        zoom_host_user=pick("zoom_host_user", "ZOOM_HOST_USER") or "me",
    )


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
    config = provider_config()
    if config.jitsi_app_id and config.jitsi_app_secret:
        token = jitsi_token(
            app_id=config.jitsi_app_id,
            app_secret=config.jitsi_app_secret,
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
    if base_url is None or secret is None:
        config = provider_config()
        base_url = base_url or config.bbb_url
        secret = secret if secret is not None else config.bbb_secret
    base_url = base_url.rstrip("/")
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


# --- Zoom ---------------------------------------------------------------------------------


def _zoom_token_key(config: ProviderConfig) -> str:
    ident = f"{config.zoom_account_id}:{config.zoom_client_id}:{config.zoom_client_secret}".encode()
    return f"live:zoom:token:{hashlib.sha256(ident).hexdigest()[:24]}"


def zoom_access_token(*, config: ProviderConfig, fresh: bool = False) -> str:
    """A Server-to-Server OAuth access token (grant_type=account_credentials, the app's
    client id and secret as HTTP Basic), kept in the cache until shortly before it expires."""
    if not (config.zoom_account_id and config.zoom_client_id and config.zoom_client_secret):
        raise MeetingError(
            "Zoom is not configured (account id, client id and client secret).", code="zoom_not_configured"
        )
    key = _zoom_token_key(config)
    token = None if fresh else cache.get(key)
    if token:
        return token
    try:
        response = requests.post(
            settings.ZOOM_OAUTH_URL,
            params={"grant_type": "account_credentials", "account_id": config.zoom_account_id},
            auth=(config.zoom_client_id, config.zoom_client_secret),
            timeout=settings.ZOOM_TIMEOUT_SECONDS,
        )
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise MeetingError(f"Zoom could not be reached ({exc.__class__.__name__}).") from exc
    if response.status_code != 200 or not body.get("access_token"):
        reason = body.get("reason") or body.get("error") or response.status_code
        raise MeetingError(f"Zoom refused the app's credentials ({reason}).", code="zoom_auth_failed")
    cache.set(key, body["access_token"], max(60, int(body.get("expires_in") or 3600) - 120))
    return body["access_token"]


def _zoom_call(method: str, path: str, *, config: ProviderConfig, json: dict | None = None) -> requests.Response:
    """One Zoom API call with the bearer token; a 401 (token expired or revoked) is retried
    once with a new token. Any other refusal raises MeetingError with Zoom's code."""
    for attempt in (0, 1):
        token = zoom_access_token(config=config, fresh=attempt == 1)
        try:
            response = requests.request(
                method,
                f"{settings.ZOOM_API_URL}{path}",
                json=json,
                headers={"Authorization": f"Bearer {token}"},
                timeout=settings.ZOOM_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise MeetingError(f"Zoom could not be reached ({exc.__class__.__name__}).") from exc
        if response.status_code != 401:
            break
    return response


def _zoom_refusal(response: requests.Response, what: str) -> MeetingError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") or response.status_code
    return MeetingError(f"Zoom refused to {what}: {body.get('message') or response.status_code}.", code=f"zoom_{code}")


def zoom_create(*, session, config: ProviderConfig) -> dict:
    """POST /users/{host}/meetings: a scheduled meeting (type 2) at the class's time, in UTC,
    with a waiting room and no joining before the host."""
    body = {
        "topic": f"{session.course.title} — live class"[:200],
        "type": 2,
        "start_time": session.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": session.minutes,
        "timezone": "UTC",
        "agenda": (session.topic or "")[:2000],
        "settings": {
            "join_before_host": False,
            "waiting_room": True,
            "host_video": True,
            "participant_video": True,
            "mute_upon_entry": False,
            "auto_recording": "none",
        },
    }
    response = _zoom_call("POST", f"/users/{quote(config.zoom_host_user, safe='@')}/meetings", config=config, json=body)
    if response.status_code != 201:
        raise _zoom_refusal(response, "create the meeting")
    meeting = response.json()
    return {"meeting_id": str(meeting["id"]), "join_url": meeting["join_url"]}


def zoom_start_url(*, session, config: ProviderConfig) -> str:
    """The host's start_url, fetched when the teacher joins: it carries a ZAK token that
    lives about two hours, so a stored one would have expired."""
    response = _zoom_call("GET", f"/meetings/{session.zoom_meeting_id}", config=config)
    if response.status_code != 200:
        raise _zoom_refusal(response, "give the host link")
    return response.json()["start_url"]


def zoom_delete(*, meeting_id: str, config: ProviderConfig) -> bool:
    """DELETE /meetings/{id}; a meeting Zoom no longer has (404, code 3001) counts as deleted.
    Returns whether Zoom deleted it now."""
    response = _zoom_call("DELETE", f"/meetings/{meeting_id}", config=config)
    if response.status_code == 204:
        return True
    if response.status_code == 404:
        return False
    raise _zoom_refusal(response, "delete the meeting")


def zoom_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """x-zm-signature: "v0=" + hex(HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}"))."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def zoom_url_validation(*, secret: str, plain_token: str) -> dict:
    """The answer to endpoint.url_validation: the plainToken and its HMAC-SHA256 (hex)."""
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


# --- one entry point for the services ------------------------------------------------------


def meeting_create(*, session) -> dict:
    """Fields to store on the session once its meeting exists."""
    config = provider_config()
    provider = config.provider
    room = unguessable_room_name()
    if provider == "zoom":
        created = zoom_create(session=session, config=config)
        return {
            "provider": "zoom",
            "room_name": "",
            "bbb_create_time": "",
            "zoom_meeting_id": created["meeting_id"],
            "zoom_join_url": created["join_url"],
        }
    if provider == "bbb":
        session.room_name = room
        created = bbb_create(session=session)
        return {"provider": "bbb", "room_name": room, "bbb_create_time": created["create_time"]}
    return {"provider": "jitsi", "room_name": room, "bbb_create_time": ""}


def meeting_join_url(*, session, user) -> str:
    if session.provider == "zoom":
        if user.pk == session.teacher_id:
            return zoom_start_url(session=session, config=provider_config())
        return session.zoom_join_url
    if session.provider == "bbb":
        return bbb_join_url(session=session, user=user)
    return jitsi_join_url(session=session, user=user)


def meeting_delete(*, session) -> bool:
    """Remove the provider's meeting of a cancelled class (Zoom keeps scheduled meetings;
    Jitsi rooms and BigBlueButton meetings end by themselves)."""
    if session.provider == "zoom" and session.zoom_meeting_id:
        return zoom_delete(meeting_id=session.zoom_meeting_id, config=provider_config())
    return False
