"""One error shape for the whole API: {"detail": "human sentence", "code": "machine_code"},
plus "errors" {field: [messages]} for bad input (docs/api.md, Conventions)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Field, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from core.errors import DomainError, status_for


class ErrorOut(Schema):
    """The body of every refusal."""

    detail: str
    code: str


class InvalidOut(ErrorOut):
    """The body of a 400: which fields are wrong and why, when the refusal is about fields."""

    errors: dict[str, list[str]] = Field(default_factory=dict)


def refusals(*statuses: int) -> dict:
    """`response=` entries for an endpoint's own refusals, all with the one error shape
    (400/401/404/429 are added to every operation that can give them: api/base.py)."""
    return dict.fromkeys(statuses, ErrorOut)


class ApiError(Exception):
    """Raise from an endpoint to answer with a given status, sentence and code."""

    def __init__(self, status: int, detail: str, code: str, *, errors: dict | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.code, self.errors, self.headers = status, detail, code, errors, headers or {}


def _body(detail: str, code: str, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def _field_errors(ninja_errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in ninja_errors:
        skip = ("body", "query", "path", "form", "payload")
        location = [str(part) for part in error.get("loc", []) if part not in skip]
        fields.setdefault(".".join(location) or "non_field_errors", []).append(error.get("msg", "Invalid value."))
    return fields


def install(api):
    """Register the error handlers on a NinjaAPI instance."""

    def respond(request, status, body, headers=None):
        response = api.create_response(request, body, status=status)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, _body(exc.detail, exc.code, exc.errors), exc.headers)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        """Every refusal a service raises, whatever the app: {"detail", "code"} with its status."""
        return respond(request, status_for(exc), _body(exc.message, exc.code, getattr(exc, "field_errors", None)))

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return respond(request, 400, _body("Some fields are not valid.", "invalid", _field_errors(exc.errors)))

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return respond(request, 400, _body("Some fields are not valid.", "invalid", errors))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return respond(request, 401, _body("Sign in to do this.", "not_authenticated"))

    @api.exception_handler(AuthorizationError)
    def authorization_error(request, exc):
        return respond(request, 403, _body("You are not allowed to do this.", "permission_denied"))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return respond(request, 403, _body(str(exc) or "You are not allowed to do this.", "permission_denied"))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, _body("Not found.", "not_found"))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        codes = {
            400: "invalid",
            401: "not_authenticated",
            402: "payment_required",
            403: "permission_denied",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            429: "rate_limited",
        }
        return respond(request, exc.status_code, _body(str(exc), codes.get(exc.status_code, "error")))
