"""Two-factor sign-in with allauth's own MFA (allauth.mfa: TOTP and recovery codes). Who must
have a second factor, and the checks that hold them to it:

- admins and moderators: `RequireSecondFactorMiddleware` sends them to set one up before any
  page but the account pages (the Wagtail admin's own sign-in goes to allauth's, so no path
  skips the code);
- instructors: `second_factor_required_for` guards bank details and payout requests;
- everyone who has one: the API's token sign-in asks for the code (`api_code_valid`).

`MFA_REQUIRED_FOR_STAFF` (on by default) switches the requirement; students may add one.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from .permissions import is_moderator, is_platform_admin

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/", "/media/")


def requirement_on() -> bool:
    return getattr(settings, "MFA_REQUIRED_FOR_STAFF", True)


def has_second_factor(user) -> bool:
    from allauth.mfa.utils import is_mfa_enabled

    return bool(user.is_authenticated and is_mfa_enabled(user))


def staff_must_have_second_factor(user) -> bool:
    """Admins and moderators (refunds, payouts, bank details, every course's records)."""
    return requirement_on() and (is_platform_admin(user) or is_moderator(user))


def _to_setup(request, why: str):
    messages.warning(request, why)
    return redirect(f"/accounts/2fa/totp/activate/?next={request.get_full_path()}")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(EXEMPT_PREFIXES)
            and staff_must_have_second_factor(user)
            and not has_second_factor(user)
        ):
            return _to_setup(request, "Staff accounts need two-factor sign-in: set up an authenticator app first.")
        return self.get_response(request)


def second_factor_required_for(purpose: str):
    """A view decorator: the signed-in user must have a second factor (when the requirement
    is on) before `purpose` (e.g. "bank details")."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if requirement_on() and not has_second_factor(request.user):
                return _to_setup(request, f"Set up two-factor sign-in before {purpose}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_code_valid(user, code: str) -> bool:
    """A TOTP code or an unused recovery code of the user's (each code works once)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    code = (code or "").strip().replace(" ", "")
    if not code:
        return False
    for authenticator in Authenticator.objects.filter(user=user):
        if authenticator.type == Authenticator.Type.TOTP and TOTP(authenticator).validate_code(code):
            return True
        if authenticator.type == Authenticator.Type.RECOVERY_CODES and RecoveryCodes(authenticator).validate_code(code):
            return True
    return False
