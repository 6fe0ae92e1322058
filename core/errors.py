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
