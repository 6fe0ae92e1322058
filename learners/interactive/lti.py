"""Lectern as an LTI 1.3 platform: its own signing keys (with rotation) and the JWKS that
publishes them, and the registrations of external tools (docs/interactive.md, "LTI 1.3").

Keys: the newest key that is not retired signs launches; `lti_platform_key_rotate` retires
it and makes a new one. A retired key stays in the JWKS until every id_token it signed has
expired (ID_TOKEN_SECONDS, plus clock slack), so a tool that fetched a launch signed just
before a rotation still verifies it.

Assignment and Grade Services (AGS): a tool asks for an access token with the
client-credentials grant, proving who it is by a JWT assertion signed with its registered key
(`lti_token_grant`: RS256, iss = sub = its client id, aud = our token URL, unexpired, jti
used once); with that token it posts scores to the line item of an AI-tool block that names
it (`lti_score_post`). The score is recorded for that student and block, and the block's rule
decides completion. A student's session or API token is never an AGS token.

Launch (OIDC third-party login): `lti_login_initiation` sends the browser to the tool's
login URL with our hints (the message hint signed, naming lesson and block); the tool sends it
back to `lti_authorize`, which checks the signed-in user, client id and redirect URI, uses the
nonce once, and returns the RS256 id_token (resource link = block, context = course, roles,
custom parameters, names only if the registration allows, the AGS line item) to form-post
to the tool's launch URL with its state.

A registration's login and launch URLs may be paths: they name a tool this site serves
itself (the demo tutor, demotool/), on the issuer's origin."""

import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from coursepages.permissions import user_is_course_staff
from learners.access import learning_context_for
from learners.enrollment.services import LearningError, activity_complete
from learners.interactive.media import interactive_block, lesson_for
from learners.models import LTIAccessToken, LTIOnceToken, LTIPlatformKey, LTIScore, LTITool, LTIUserId

ALGORITHM = "RS256"
KEY_BITS = 2048
ID_TOKEN_SECONDS = 300  # how long a launch's id_token is valid
CLOCK_SLACK_SECONDS = 60
RETENTION = timedelta(seconds=ID_TOKEN_SECONDS + CLOCK_SLACK_SECONDS)


ACCESS_TOKEN_SECONDS = 3600
ASSERTION_MAX_SECONDS = 600  # an assertion may not claim to live longer than this
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class LTIError(LearningError):
    default_code = "invalid"


class LTIAuthError(LTIError):
    """A tool's credentials or token were refused: the endpoints answer 401."""

    default_code = "invalid_token"


def _new_key() -> LTIPlatformKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = uuid.uuid4().hex
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return LTIPlatformKey(kid=kid, private_key_pem=pem, public_jwk=jwk)


def lti_platform_key() -> LTIPlatformKey:
    """The key that signs launches now; the first call makes one."""
    current = LTIPlatformKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk").first()
    if current is not None:
        return current
    key = _new_key()
    try:
        with transaction.atomic():
            key.save()
    except IntegrityError:  # pragma: no cover - a uuid4 clash
        pass
    return LTIPlatformKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk").first()


@transaction.atomic
def lti_platform_key_rotate(*, now=None) -> LTIPlatformKey:
    """Retire the signing key(s) and make a new one; the old stay published until their
    tokens have expired."""
    now = now or timezone.now()
    LTIPlatformKey.objects.select_for_update().filter(retired_at__isnull=True).update(retired_at=now)
    key = _new_key()
    key.save()
    return key


def lti_jwks(*, now=None) -> dict:
    """The public keys a tool verifies launches with: the signing key and the retired keys
    whose tokens may still be valid."""
    now = now or timezone.now()
    lti_platform_key()
    keys = LTIPlatformKey.objects.filter(retired_at__isnull=True) | LTIPlatformKey.objects.filter(
        retired_at__gt=now - RETENTION
    )
    return {"keys": [key.public_jwk for key in keys.order_by("-created_at", "-pk")]}


def lti_sign(*, claims: dict, now=None) -> str:
    """An RS256 JWT over `claims` (iat/exp added) with the current platform key and its kid."""
    key = lti_platform_key()
    issued = int((now or timezone.now()).timestamp())
    payload = {"iat": issued, "exp": issued + ID_TOKEN_SECONDS, **claims}
    return jwt.encode(payload, key.private_key_pem, algorithm=ALGORITHM, headers={"kid": key.kid})


def lti_tool_key_check(*, public_key_pem: str) -> None:
    """Refuse a pasted tool key that is not an RSA public key in PEM."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.strip().encode())
    except ValueError as error:
        raise LTIError("That is not a PEM public key.", "invalid") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise LTIError("The tool's key must be an RSA public key (LTI 1.3 uses RS256).", "invalid")


# ---------------------------------------------------------------- users as tools see them


def lti_user_id(*, user) -> str:
    """The opaque LTI `sub` of a user (made on first use; never the user's pk)."""
    row = LTIUserId.objects.filter(user=user).first()
    if row is None:
        sub = hmac.new(settings.SECRET_KEY.encode(), f"lti-sub:{user.pk}:{uuid.uuid4()}".encode(), "sha256")
        try:
            with transaction.atomic():
                row = LTIUserId.objects.create(user=user, sub=sub.hexdigest()[:32])
        except IntegrityError:
            row = LTIUserId.objects.get(user=user)
    return row.sub


# ---------------------------------------------------------------- tools' keys and tokens


def _tool_keys(tool: LTITool) -> list:
    if tool.public_key_pem.strip():
        return [serialization.load_pem_public_key(tool.public_key_pem.strip().encode())]
    cache_key = f"lti:jwks:{tool.pk}:{hashlib.sha256(tool.jwks_url.encode()).hexdigest()[:16]}"
    jwks = cache.get(cache_key)
    if jwks is None:
        import requests

        try:
            jwks = requests.get(tool.jwks_url, timeout=10).json()
        except (requests.RequestException, ValueError) as error:
            raise LTIAuthError("The tool's key set could not be fetched.", "invalid_client") from error
        cache.set(cache_key, jwks, 300)
    return [jwt.PyJWK(key).key for key in jwks.get("keys", []) if key.get("kty") == "RSA"]


def _use_once(*, kind: str, value: str, expires_at: datetime, now: datetime) -> None:
    LTIOnceToken.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            LTIOnceToken.objects.create(kind=kind, value=value, expires_at=expires_at)
    except IntegrityError as error:
        raise LTIAuthError("That token was already used.", "token_used") from error


def lti_token_grant(
    *, grant_type: str, assertion_type: str, assertion: str, scope: str, token_url: str, now=None
) -> dict:
    """The client-credentials grant: a tool proves itself with a JWT signed by its registered
    key and receives a short-lived AGS access token for the scopes it asked (of those we offer)."""
    now = now or timezone.now()
    if grant_type != "client_credentials" or assertion_type != ASSERTION_TYPE or not assertion:
        raise LTIError("Use the client_credentials grant with a JWT client assertion.", "unsupported_grant_type")
    try:
        client_id = jwt.decode(assertion, options={"verify_signature": False}).get("iss") or ""
    except jwt.InvalidTokenError as error:
        raise LTIAuthError("The client assertion is not a JWT.", "invalid_client") from error
    tool = LTITool.objects.filter(client_id=client_id, active=True).first()
    if tool is None:
        raise LTIAuthError("No active tool has that client id.", "invalid_client")
    claims = None
    for key in _tool_keys(tool):
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=[ALGORITHM],
                audience=token_url,
                issuer=client_id,
                options={"require": ["exp", "iat", "jti", "sub"]},
                leeway=CLOCK_SLACK_SECONDS,
            )
            break
        except jwt.ExpiredSignatureError as error:
            raise LTIAuthError("The client assertion has expired.", "invalid_client") from error
        except jwt.InvalidTokenError:
            continue
    if claims is None:
        raise LTIAuthError("The client assertion is not signed by the tool's registered key.", "invalid_client")
    if claims["sub"] != client_id or claims["exp"] - claims["iat"] > ASSERTION_MAX_SECONDS:
        raise LTIAuthError("The client assertion's subject or lifetime is wrong.", "invalid_client")
    _use_once(
        kind="jti",
        value=f"{client_id}:{claims['jti']}",
        expires_at=datetime.fromtimestamp(claims["exp"] + CLOCK_SLACK_SECONDS, tz=timezone.get_current_timezone()),
        now=now,
    )
    granted = [name for name in (scope or "").split() if name in (SCORE_SCOPE, LINEITEM_SCOPE)]
    if not granted:
        raise LTIError("Ask for the AGS score scope.", "invalid_scope")
    token = secrets.token_urlsafe(32)
    LTIAccessToken.objects.create(
        tool=tool,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        scopes=granted,
        expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
    )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "scope": " ".join(granted),
    }


def _tool_for_token(*, authorization: str, scope: str, now) -> LTITool:
    scheme, _, token = (authorization or "").partition(" ")
    row = (
        LTIAccessToken.objects.select_related("tool")
        .filter(token_hash=hashlib.sha256(token.strip().encode()).hexdigest(), expires_at__gt=now)
        .first()
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    if row is None or not row.tool.active:
        raise LTIAuthError("An AGS access token from /lti/token/ is required.", "invalid_token")
    if scope not in row.scopes:
        raise LTIError("That token does not allow this.", "forbidden")
    return row.tool


@transaction.atomic
def lti_score_post(*, authorization: str, lesson_id, block_id: str, score: dict, now=None) -> LTIScore:
    """Record a tool's score for one student in one AI-tool block (AGS Score service) and
    complete the activity when the block's rule says so: `complete` — the tool says
    activityProgress Completed; `min_score` — scoreGiven / scoreMaximum reaches the minimum."""
    now = now or timezone.now()
    tool = _tool_for_token(authorization=authorization, scope=SCORE_SCOPE, now=now)
    lesson = lesson_for(lesson_id=lesson_id)
    block = interactive_block(lesson=lesson, block_id=block_id, block_type="ai_tool")
    block_tool = block.value.get("lti_tool")
    if block_tool is None or block_tool.pk != tool.pk:
        raise LTIError("This line item does not belong to your tool.", "forbidden")
    row = LTIUserId.objects.select_related("user").filter(sub=str(score.get("userId") or "")).first()
    if row is None:
        raise LTIError("No such user.", "not_found")
    context = learning_context_for(user=row.user, lesson=lesson)
    context.learner()  # refuses unless the student may record learning here
    given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
    activity, grading = score.get("activityProgress") or "", score.get("gradingProgress") or ""
    if given is not None:
        if not isinstance(given, (int, float)) or not isinstance(maximum, (int, float)) or maximum <= 0 or given < 0:
            raise LTIError("scoreGiven needs a positive scoreMaximum.", "invalid")
    percent = None if given is None else round(min(100.0, given * 100.0 / maximum), 2)
    value = block.value
    if value.get("completion_rule") == "min_score":
        met = percent is not None and grading == "FullyGraded" and percent >= (value.get("min_score") or 0)
    else:
        met = activity == "Completed"
    recorded = LTIScore.objects.create(
        tool=tool,
        user=row.user,
        lesson=lesson,
        block_id=block_id,
        score_given=given,
        score_maximum=maximum,
        activity_progress=activity,
        grading_progress=grading,
        timestamp=now,
        activity_completed=met,
    )
    if met:
        activity_complete(context=context, block_id=block_id, score_percent=percent)
    return recorded


# ---------------------------------------------------------------- launch (OIDC third-party login)

LTI_VERSION = "1.3.0"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
HINT_SECONDS = 300


def _block_tool(*, lesson, block_id: str) -> tuple:
    block = interactive_block(lesson=lesson, block_id=block_id, block_type="ai_tool")
    tool = block.value.get("lti_tool")
    if tool is None or not tool.active:
        raise LTIError("This activity does not launch an LTI tool.", "not_found")
    return block, tool


def _on(issuer: str, url: str) -> str:
    """A registration's URL made absolute: a path names a tool this site serves itself."""
    return issuer + url if url.startswith("/") else url


def lti_login_initiation(*, user, lesson, block_id: str, issuer: str) -> str:
    """Step 1 of a launch: the address of the tool's login initiation, with our hints. The
    message hint is signed by us, so the tool cannot point the launch at another block."""
    context = learning_context_for(user=user, lesson=lesson)
    context.learner()
    _, tool = _block_tool(lesson=lesson, block_id=block_id)
    hint = jwt.encode(
        {"lesson": lesson.pk, "block": block_id, "exp": int(timezone.now().timestamp()) + HINT_SECONDS},
        settings.SECRET_KEY,
        algorithm="HS256",
    )
    query = urlencode(
        {
            "iss": issuer,
            "login_hint": lti_user_id(user=user),
            "target_link_uri": _on(issuer, tool.launch_url),
            "lti_message_hint": hint,
            "client_id": tool.client_id,
            "lti_deployment_id": tool.deployment_id,
        }
    )
    login_url = _on(issuer, tool.login_url)
    return f"{login_url}{'&' if '?' in login_url else '?'}{query}"


def lti_authorize(*, user, params: dict, issuer: str, lineitem_url_for, now=None) -> tuple[str, dict]:
    """Step 2: the tool's authentication request. Checks it against the signed-in user and
    the block, uses the nonce once, and returns (redirect_uri, form fields) carrying the
    RS256 id_token with the LTI claims."""
    now = now or timezone.now()
    if params.get("scope") != "openid" or params.get("response_type") != "id_token":
        raise LTIError("Only scope=openid and response_type=id_token are supported.", "invalid")
    if not user.is_authenticated or params.get("login_hint") != lti_user_id(user=user):
        raise LTIAuthError("The launch is for another user; sign in again.", "invalid_token")
    try:
        hint = jwt.decode(params.get("lti_message_hint", ""), settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError as error:
        raise LTIAuthError("The launch hint is not valid or has expired.", "invalid_token") from error
    lesson = lesson_for(lesson_id=hint["lesson"])
    block, tool = _block_tool(lesson=lesson, block_id=hint["block"])
    launch_url = _on(issuer, tool.launch_url)
    if params.get("client_id") != tool.client_id or params.get("redirect_uri") != launch_url:
        raise LTIError("The client id or redirect URI is not the registered one.", "forbidden")
    nonce = params.get("nonce") or ""
    if not nonce:
        raise LTIError("A nonce is required.", "invalid")
    _use_once(kind="nonce", value=f"{tool.client_id}:{nonce}", expires_at=now + timedelta(days=1), now=now)
    context = learning_context_for(user=user, lesson=lesson)
    context.learner()
    staff = user_is_course_staff(user=user, course=context.course)
    roles = [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
        if staff
        else "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    ]
    claims = {
        "iss": issuer,
        "aud": tool.client_id,
        "sub": lti_user_id(user=user),
        "nonce": nonce,
        "azp": tool.client_id,
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": LTI_VERSION,
        CLAIM + "deployment_id": tool.deployment_id,
        CLAIM + "target_link_uri": launch_url,
        CLAIM + "resource_link": {"id": f"{lesson.pk}:{block.id}", "title": block.value.get("title") or ""},
        CLAIM + "context": {"id": str(context.course.pk), "title": context.course.title, "type": ["CourseOffering"]},
        CLAIM + "roles": roles,
        CLAIM + "custom": {item["name"]: item.get("value") or "" for item in block.value.get("parameters") or []},
        AGS_CLAIM: {
            "scope": [SCORE_SCOPE],
            "lineitem": lineitem_url_for(lesson.pk, block.id),
        },
    }
    if tool.send_names:
        claims.update(
            given_name=user.first_name, family_name=user.last_name, name=user.get_full_name(), email=user.email
        )
    token = lti_sign(claims=claims, now=now)
    fields = {"id_token": token}
    if params.get("state"):
        fields["state"] = params["state"]
    return launch_url, fields
