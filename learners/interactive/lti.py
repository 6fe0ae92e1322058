"""Lectern as an LTI 1.3 platform: its own signing keys (with rotation) and the JWKS that
publishes them, and the registrations of external tools (docs/interactive.md, "LTI 1.3").

Keys: the newest key that is not retired signs launches; `lti_platform_key_rotate` retires
it and makes a new one. A retired key stays in the JWKS until every id_token it signed has
expired (ID_TOKEN_SECONDS, plus clock slack), so a tool that fetched a launch signed just
before a rotation still verifies it.

Not built yet (issue 19): the OIDC launch (login initiation, id_token), the Assignment and
Grade Services endpoints (client-credentials token, scores) and the block's use of a
registration. Until then the AI-tool block keeps its own launch-token protocol."""

import json
import uuid
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone

from learners.enrollment.services import LearningError
from learners.models import LTIPlatformKey

ALGORITHM = "RS256"
KEY_BITS = 2048
ID_TOKEN_SECONDS = 300  # how long a launch's id_token is valid
CLOCK_SLACK_SECONDS = 60
RETENTION = timedelta(seconds=ID_TOKEN_SECONDS + CLOCK_SLACK_SECONDS)


class LTIError(LearningError):
    default_code = "invalid"


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
