"""The one base of every refused action in Lectern's services.

A service raises a subclass of `DomainError` with a human sentence and a machine `code`;
it never knows HTTP. The API (and the few web views that answer JSON) map codes to statuses
through the one table below, `STATUS_BY_CODE`, with `status_for`."""


class DomainError(Exception):
    """A refused action: `message` for a person, `code` for a machine (e.g. "not_enrolled")."""

    default_code = "invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    def __str__(self) -> str:
        return self.message


class UpstreamError(DomainError):
    """Refused because a service Lectern relies on (the meeting server, a payment gateway)
    refused or could not be reached. `code` may be that service's own (BigBlueButton's
    "checksumError"), so the API answers 502 for any code its table does not name."""

    default_code = "upstream_unavailable"


# The one table from a refusal's code (core.errors.DomainError, raised by any service) to the
# status the API answers with. A code not named here is a 400, or a 502 when a service Lectern
# relies on refused (UpstreamError, whose code may be that service's own).
STATUS_BY_CODE = {
    # a token that does not prove who is calling
    "token_invalid": 401,
    "token_expired": 401,
    "token_reused": 401,
    "token_revoked": 401,
    "mfa_required": 401,
    "mfa_invalid": 401,
    "mfa_setup_required": 403,
    "account_inactive": 401,
    "invalid_token": 401,  # an AI tool's launch or session token
    "token_used": 401,
    "invalid_client": 401,  # an LTI tool's client assertion (OAuth 2 client-credentials)
    "invalid_signature": 401,  # a webhook whose signature does not match (Zoom's x-zm-signature)
    "unsupported_grant_type": 400,
    "invalid_scope": 400,
    "not_authenticated": 401,
    # not paid for
    "not_paid": 402,
    # not yours to do
    "forbidden": 403,
    "permission_denied": 403,
    "not_allowed": 403,
    "not_enrolled": 403,
    "prerequisite_missing": 403,
    "not_yet_available": 403,
    "subscription_inactive": 403,
    "not_teacher": 403,
    "not_party": 403,
    "not_participant": 403,
    "own_payout": 403,
    # not there (or not yours to see)
    "not_found": 404,
    # the state of things does not allow it (now)
    "conflict": 409,
    "already_submitted": 409,
    "already_enrolled": 409,
    "already_subscribed": 409,
    "already_reported": 409,
    "thread_locked": 409,
    "already_decided": 409,
    "not_refundable": 409,
    "not_available": 409,
    "slot_taken": 409,
    "not_requested": 409,
    "not_active": 409,
    "not_approved": 409,
    "in_the_past": 409,
    "past_cutoff": 409,
    "too_early": 409,
    "ended": 409,
    "retry_not_allowed": 409,  # an H5P block that allows one attempt, finished
    "rate_limited": 429,
    # a service Lectern relies on failed
    "gateway_error": 502,
    "meeting_unavailable": 502,
}
DEFAULT_STATUS = 400
UPSTREAM_STATUS = 502


def status_for(error: DomainError) -> int:
    """The status a refusal is answered with (the API, and web views that answer JSON)."""
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    return UPSTREAM_STATUS if isinstance(error, UpstreamError) else DEFAULT_STATUS
