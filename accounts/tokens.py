"""API tokens (PyJWT, HS256): access tokens live 15 minutes, refresh tokens 7 days and
rotate on use; reusing a rotated refresh token revokes its whole family; logout revokes.
Refresh tokens die with the password: each carries a fingerprint of the password hash, so a
password changed by any path (web, API, admin, shell) refuses them; the web and MFA paths also
revoke them outright (accounts/signals.py)."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.errors import DomainError

from .models import RefreshToken, User

ALGORITHM = "HS256"
ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=7)


class TokenError(DomainError):
    """A token that does not prove who is calling (the API answers 401), or, at logout, a
    refresh token in the body that cannot be read ("invalid_refresh_token": bad input, 400)."""

    default_code = "token_invalid"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _key() -> str:
    return settings.JWT_SIGNING_KEY or settings.SECRET_KEY


def _encode(claims: dict) -> str:
    return jwt.encode(claims, _key(), algorithm=ALGORITHM)


def _decode(token: str, expected_type: str) -> dict:
    try:
        claims = jwt.decode(token, _key(), algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("The token has expired.", "token_expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("The token is not valid.") from exc
    if claims.get("typ") != expected_type:
        raise TokenError("The token is not valid.")
    return claims


def _password_fingerprint(user: User) -> str:
    return salted_hmac("accounts.tokens.password", user.password or "", secret=_key()).hexdigest()[:24]


def _issue(user: User, family: str) -> TokenPair:
    now = timezone.now()
    access = _encode(
        {"sub": str(user.pk), "typ": "access", "iat": now, "exp": now + ACCESS_LIFETIME, "jti": secrets.token_hex(8)}
    )
    jti = secrets.token_hex(16)
    RefreshToken.objects.create(jti=jti, family=family, user=user, expires_at=now + REFRESH_LIFETIME)
    refresh = _encode(
        {
            "sub": str(user.pk),
            "typ": "refresh",
            "iat": now,
            "exp": now + REFRESH_LIFETIME,
            "jti": jti,
            "fam": family,
            "pwd": _password_fingerprint(user),
        }
    )
    return TokenPair(access=access, refresh=refresh)


def token_pair_issue(*, user: User) -> TokenPair:
    """A new pair starting a new family (a sign-in)."""
    return _issue(user, secrets.token_hex(16))


def access_token_user(token: str) -> User:
    claims = _decode(token, "access")
    # By primary key through the read compiled once per process (UserManager.get); the active
    # check in Python: every JWT request makes it.
    try:
        user = User.objects.get(pk=int(claims["sub"]))
    except (User.DoesNotExist, KeyError, TypeError, ValueError):
        user = None
    if user is None or not user.is_active:
        raise TokenError("The token's user no longer exists or is inactive.")
    return user


def _revoke_family(family: str):
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=timezone.now())


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: the presented refresh token is spent and a new pair is issued. A spent or
    revoked token presented again revokes the family."""
    claims = _decode(refresh, "refresh")
    with transaction.atomic():
        row = RefreshToken.objects.select_for_update().select_related("user").filter(jti=claims.get("jti")).first()
        if row is None:
            raise TokenError("The token is not valid.")
        reused = revoked = False
        if not constant_time_compare(str(claims.get("pwd", "")), _password_fingerprint(row.user)):
            token_revoke_all(user=row.user)
            revoked = True
        elif row.used_at or row.revoked_at:
            _revoke_family(row.family)
            reused = True
        else:
            if not row.user.is_active:
                raise TokenError("This account is inactive.", "account_inactive")
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return _issue(row.user, row.family)
    # raised outside the atomic block so the revocation is committed
    if revoked:
        raise TokenError("The password changed since this token was issued; sign in again.", "token_revoked")
    if reused:
        raise TokenError("This refresh token was already used; sign in again.", "token_reused")


def token_family_revoke(*, refresh: str) -> None:
    """Logout: revoke every token of the presented refresh token's family. The caller is signed
    in already, so a refresh token that cannot be read is bad input, not a failed sign-in."""
    try:
        claims = _decode(refresh, "refresh")
    except TokenError as exc:
        raise TokenError(exc.message, "invalid_refresh_token") from exc
    if claims.get("fam"):
        _revoke_family(claims["fam"])


def token_revoke_all(*, user: User) -> None:
    """Every refresh token of the user (password or second factor changed, account deleted)."""
    RefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
