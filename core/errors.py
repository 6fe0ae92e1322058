"""The one base of every refused action in Lectern's services.

A service raises a subclass of `DomainError` with a human sentence and a machine `code`;
it never knows HTTP. The API maps codes to statuses in one table (api/errors.py)."""


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
