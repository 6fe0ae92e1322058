"""Accounts: register, verify, sign in with JWTs, refresh, logout, password reset, profile."""

from allauth.account.models import EmailAddress, EmailConfirmation, EmailConfirmationHMAC
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from ninja import Router, Schema, Status

from accounts.mfa import api_code_valid, has_second_factor, staff_must_have_second_factor
from accounts.models import User
from accounts.privacy import user_account_delete, user_data_export
from accounts.services import user_update_profile
from accounts.tokens import token_family_revoke, token_pair_issue, token_pair_refresh, token_revoke_all
from core.notify import notify

from .auth import user_auth
from .errors import ApiError, ErrorOut
from .ratelimit import client_ip, rate_limit

router = Router(tags=["accounts"])


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    timezone: str
    bio: str
    avatar: str | None

    @staticmethod
    def resolve_avatar(user):
        return user.avatar.url if user.avatar else None


class RegisterIn(Schema):
    email: str
    password: str
    first_name: str
    last_name: str


class DetailOut(Schema):
    detail: str


class KeyIn(Schema):
    key: str


class LoginIn(Schema):
    email: str
    password: str
    code: str = ""  # the authenticator app's code (or a recovery code) when two-factor is on


class TokenPairOut(Schema):
    access: str
    refresh: str


class LoginOut(TokenPairOut):
    user: UserOut


class RefreshIn(Schema):
    refresh: str


class EmailIn(Schema):
    email: str


class PasswordResetConfirmIn(Schema):
    uid: str
    token: str
    new_password: str


class ProfilePatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    bio: str | None = None
    timezone: str | None = None
    email_opt_out: bool | None = None


def _password_errors(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ApiError(400, "Choose a stronger password.", "invalid", errors={"password": exc.messages})


@router.post("/auth/register/", response={201: UserOut}, auth=None)
def register(request, payload: RegisterIn):
    """Create an account; a verification email is sent. Sign-in waits for verification."""
    email = payload.email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        message = "Enter a valid email address."
        raise ApiError(400, message, "invalid", errors={"email": [message]})
    if User.objects.filter(email__iexact=email).exists():
        raise ApiError(
            400,
            "An account with this email already exists.",
            "invalid",
            errors={"email": ["An account with this email already exists."]},
        )
    _password_errors(payload.password, User(email=email, first_name=payload.first_name, last_name=payload.last_name))
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=payload.password, first_name=payload.first_name, last_name=payload.last_name
        )
        EmailAddress.objects.add_email(request, user, email, confirm=True, signup=True)
    return Status(201, user)


@router.post("/auth/verify-email/", response={200: DetailOut}, auth=None)
def verify_email(request, payload: KeyIn):
    confirmation = (
        EmailConfirmationHMAC.from_key(payload.key) or EmailConfirmation.objects.filter(key=payload.key.lower()).first()
    )
    if confirmation is None or (hasattr(confirmation, "key_expired") and confirmation.key_expired()):
        raise ApiError(400, "This verification link is invalid or has expired.", "invalid_key")
    confirmation.confirm(request)
    return {"detail": "Your email address is verified; you can sign in."}


@router.post("/auth/login/", response={200: LoginOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}, auth=None)
def login(request, payload: LoginIn):
    email = payload.email.strip().lower()
    rate_limit(scope="login_ip", key=client_ip(request))
    rate_limit(scope="login_account", key=email)
    user = authenticate(request, email=email, password=payload.password)
    if user is None:
        raise ApiError(401, "The email address or password is wrong.", "invalid_credentials")
    if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        raise ApiError(403, "Verify your email address first; we sent you a link.", "email_unverified")
    if has_second_factor(user):
        if not payload.code:
            raise ApiError(401, "Enter the code from your authenticator app.", "mfa_required")
        if not api_code_valid(user, payload.code):
            raise ApiError(401, "The two-factor code is wrong or was already used.", "mfa_invalid")
    elif staff_must_have_second_factor(user):
        raise ApiError(
            403, "Staff accounts need two-factor sign-in: set it up on the website first.", "mfa_setup_required"
        )
    pair = token_pair_issue(user=user)
    return {"access": pair.access, "refresh": pair.refresh, "user": user}


@router.post("/auth/refresh/", response={200: TokenPairOut, 401: ErrorOut}, auth=None)
def refresh(request, payload: RefreshIn):
    pair = token_pair_refresh(refresh=payload.refresh)
    return {"access": pair.access, "refresh": pair.refresh}


@router.post("/auth/logout/", response={200: DetailOut}, auth=user_auth)
def logout(request, payload: RefreshIn):
    token_family_revoke(refresh=payload.refresh)
    return {"detail": "Signed out."}


@router.post("/auth/password-reset/", response={202: DetailOut, 429: ErrorOut}, auth=None)
def password_reset(request, payload: EmailIn):
    """Always 202, whether or not the address has an account (no account discovery)."""
    email = payload.email.strip().lower()
    rate_limit(scope="password_reset_ip", key=client_ip(request))
    rate_limit(scope="password_reset_account", key=email)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user:
        notify(
            user=user,
            kind="password_reset",
            title="Reset your Lectern password",
            in_app=False,
            essential=True,
            email_template="password_reset_api",
            context={
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return Status(202, {"detail": "If the address has an account, we sent a reset link."})


@router.post("/auth/password-reset-confirm/", response={200: DetailOut}, auth=None)
def password_reset_confirm(request, payload: PasswordResetConfirmIn):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(payload.uid)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, payload.token):
        raise ApiError(400, "This reset link is invalid or has expired.", "invalid_token")
    _password_errors(payload.new_password, user)
    user.set_password(payload.new_password)
    user.save(update_fields=["password"])
    token_revoke_all(user=user)
    return {"detail": "Your password was changed; sign in with the new one."}


@router.get("/me/", response=UserOut, auth=user_auth)
def me(request):
    return request.user


@router.patch("/me/", response=UserOut, auth=user_auth)
def me_update(request, payload: ProfilePatch):
    return user_update_profile(user=request.user, **payload.dict(exclude_unset=True, exclude_none=True))


@router.get("/me/export/", auth=user_auth)
def me_export(request) -> dict:
    """All personal data we hold, as JSON."""
    return user_data_export(user=request.user)


@router.delete("/me/", response={204: None}, auth=user_auth)
def me_delete(request):
    """Delete the account: financial records are kept, anonymised; sign-in becomes impossible."""
    user_account_delete(user=request.user)
    return Status(204, None)
